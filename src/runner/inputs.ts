// Merges a command's options from its flags, GitHub-style INPUT_<NAME> variables, and Bitbucket Pipelines defaults.
import type { Command } from 'commander';
import { InputError } from '../core';

export type OptionValues = Record<string, unknown>;

const TRUE = ['true', 'True', 'TRUE'];
const FALSE = ['false', 'False', 'FALSE'];

/** The variable an Actions runner sets for an input, as @actions/core reads it (hyphens kept). */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/**
 * Options given on the command line win; an option not given falls back to a non-empty INPUT_<NAME>
 * (booleans strictly true/false, repeatable options one value per line).
 */
export function resolveOptions(command: Command, env: Record<string, string | undefined>): OptionValues {
  const values: OptionValues = { ...command.optsWithGlobals() };
  const options = [
    ...command.options,
    ...(command.parent?.options ?? []),
    ...(command.parent?.parent?.options ?? []),
  ];
  for (const option of options) {
    const key = option.attributeName();
    const source = command.getOptionValueSourceWithGlobals(key);
    if (source === 'cli' || !option.long) continue;
    const name = option.long.replace(/^--/, '');
    const raw = env[inputVariable(name)]?.trim();
    if (!raw) continue;
    if (option.negate) {
      // `--no-fail` is the input `no-fail: true`.
      if (TRUE.includes(raw)) values[key] = false;
      else if (!FALSE.includes(raw))
        throw new InputError(`Input ${name} is "${raw}", not a boolean.`, `Give true or false.`);
    } else if (option.isBoolean()) {
      if (TRUE.includes(raw)) values[key] = true;
      else if (FALSE.includes(raw)) values[key] = false;
      else
        throw new InputError(
          `Input ${name} is "${raw}", not a boolean.`,
          `Give true or false (also True/TRUE/False/FALSE).`,
        );
    } else if (option.variadic || Array.isArray(option.defaultValue)) {
      values[key] = raw
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter(Boolean);
    } else {
      values[key] = raw;
    }
  }
  return values;
}

/** Reads an option as a string, or undefined when it was not given at all. */
export function stringOption(values: OptionValues, key: string): string | undefined {
  const value = values[key];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** Parses a whole number option within bounds, with an error that names the option. */
export function integerOption(
  values: OptionValues,
  key: string,
  flag: string,
  min: number,
  max: number,
  fallback: number,
): number {
  const raw = values[key];
  if (raw === undefined || raw === '') return fallback;
  // Plain decimal digits only: Number() would also take 1e1, 0x10, 8.0 and padded spaces.
  const text = typeof raw === 'string' ? raw : JSON.stringify(raw);
  const number = /^\d{1,9}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new InputError(
      `${flag} "${text}" is not a whole number from ${min} to ${max}.`,
      `Give ${flag} a whole number from ${min} to ${max}.`,
    );
  }
  return number;
}
