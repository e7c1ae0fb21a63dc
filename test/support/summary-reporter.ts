// Mocha's spec reporter plus one plain closing line, "mocha: N passed, N failed, N skipped", that CI reads.
import Mocha from 'mocha';

const { EVENT_RUN_END } = Mocha.Runner.constants;

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const stats = runner.stats;
      if (!stats) return;
      process.stdout.write(
        `mocha: ${stats.passes} passed, ${stats.failures} failed, ${stats.pending} skipped\n`,
      );
    });
  }
}

export = SummaryReporter;
