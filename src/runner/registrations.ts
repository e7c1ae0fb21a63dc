// The commands beyond status and doctor, each registered from its own module.
import type { CommandRegistration } from './program';

export const allCommands: CommandRegistration[] = [];
