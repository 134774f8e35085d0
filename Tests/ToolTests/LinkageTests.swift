import Foundation
import Testing

/// compute-wer reads text and computes edit distances: it must not drag in the numeric core,
/// so OpenBLAS is not among its shared libraries (the tools that run a model do link it).
@Suite struct LinkageTests {
  static func sharedLibraries(of tool: String) throws -> String {
    let result = try ToolRunner.runShell("ldd \"$(command -v \(tool))\"")
    #expect(result.status == 0, "\(result.stderr)")
    return result.stdout
  }

  @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/ldd"), "needs ldd"))
  func computeWERDoesNotLinkOpenBLAS() throws {
    #expect(!(try Self.sharedLibraries(of: "compute-wer")).contains("libopenblas"))
    #expect(try Self.sharedLibraries(of: "rnnlm-eval").contains("libopenblas"), "the check can see OpenBLAS")
  }
}
