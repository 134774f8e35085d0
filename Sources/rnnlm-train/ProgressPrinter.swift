import FileIO
import NCEModel
import ToolSupport

#if canImport(Glibc)
  import Glibc
#endif

/// Writes what `TrainingReport` makes of each training event: the live line to stderr, log
/// lines, and the epoch lines to stdout (a write error there is reported when training ends,
/// by `out.flush()`, after the checkpoints it must not stop).
final class ProgressPrinter {
  let log: Log
  let out: StandardOutput
  let report: TrainingReport

  init(log: Log, out: StandardOutput, report: TrainingReport) {
    self.log = log
    self.out = out
    self.report = report
  }

  func show(_ event: TrainingEvent) {
    let lines = report.lines(for: event)
    if let live = lines.live { stderrWrite(live) }
    for warning in lines.warnings { log.warning(warning) }
    if let text = lines.standardOutput {
      out.write(text)
      try? out.flush()
    }
    for line in lines.log { log.info(line) }
  }
}
