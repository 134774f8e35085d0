import Foundation
import Testing

/// `recipes/steps/rescore_lattice.sh` with two jobs gives the sweep of one `rescore-lattice` run
/// over the whole archive: the same counts per setting, the same best setting and text. With more
/// jobs than lattices (5 for 2) it runs one job per lattice.
@Suite struct RescoreLatticeRecipeTests {
  /// `%WER ... <dir>/wer_X` lines -> (wer_X, "errors / words, ins, del, sub").
  static func counts(_ text: String) -> [(String, String)] {
    text.split(separator: "\n").filter { $0.hasPrefix("%WER") }.map { line in
      let fields = line.split(separator: " ")
      let name = String(fields.last!.split(separator: "/").last!)
      return (name, fields[3...10].joined(separator: " "))
    }
  }

  @Test(
    .enabled(if: ToolRunner.isBuilt("rescore-lattice")), .timeLimit(.minutes(2)),
    arguments: [("", 2), ("0.5", 2), ("", 5)])
  func jobsGiveTheSweepOfOneRun(mergeRNNWeight: String, jobs: Int) throws {
    let (root, words, archive, reference) = try RescoreLatticeCLITests.lattices()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let model = try RescoringFixture.model()
    let merge = mergeRNNWeight.isEmpty ? [] : ["--merge-rnn-weight", mergeRNNWeight]
    let grid = ["--rnn-weights", "0,0.5,1", "--lm-weights", "5,10", "--wip", "0,1", "--max-ngram-order", "2"] + merge
    let direct = try ToolRunner.run(
      "rescore-lattice",
      ["--model", model, "--symbol-table", words, "--lattices", archive, "--ref", reference, "--out", root + "/direct"]
        + grid)
    #expect(direct.status == 0, "\(direct.stderr)")
    #expect(try ToolRunner.runShell("gzip -c '\(archive)' > '\(root)/lat.txt.gz'").status == 0)
    let demo = RecipeTests.root.appendingPathComponent("recipes/demo").path
    let script = """
      cd '\(demo)' && steps/rescore_lattice.sh --nj \(jobs) \
        --ref '\(reference)' --rnn-weights 0,0.5,1 --lm-weights 5,10 --wip 0,1 --oracle true --max-ngram-order 2 \
        \(merge.joined(separator: " ")) \
        '\(model)' '\(words)' '\(root)/lat.txt.gz' '\(root)/recipe'
      """
    let recipe = try ToolRunner.runShell(script)
    #expect(recipe.status == 0, "\(recipe.stdout)\(recipe.stderr)")
    #expect(jobs <= 2 || recipe.stdout.contains("2 lattices: using 2 jobs instead of --nj \(jobs)"), "\(recipe.stdout)")
    let sweep = try #require(ToolRunner.read(root + "/recipe/wer_sweep"))
    let expected = Self.counts(direct.stdout)
    #expect(Self.counts(sweep).map(\.0) == expected.map(\.0))
    #expect(Self.counts(sweep).map(\.1) == expected.map(\.1))
    #expect(ToolRunner.read(root + "/recipe/text") == ToolRunner.read(root + "/direct/text"))
    #expect(ToolRunner.read(root + "/recipe/oracle_wer")?.hasPrefix("%WER 0.00 [ 0 / 7 ]") == true)
  }
}
