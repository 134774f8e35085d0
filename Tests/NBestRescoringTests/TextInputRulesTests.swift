import FileIO
import Foundation
import NCECore
import TestSupport
import Testing

@testable import NBestRescoring

/// The text rules (README "Text inputs") for every NBestRescoring reader: Kaldi archive
/// directories (`words_text`, `acwt`, `lmwt.*`), SRILM and CUED N-best lists, `lmwt.rnn` cost
/// tables, references (`--ref`) and ARPA models.
@Suite struct TextInputRulesTests {
  /// A Kaldi archive with `␣` separator slots, blank lines and a no-break space inside a word.
  static let archive = [
    "words_text": "u-1␣a\u{00A0}b␣c\n␣\nu-2␣\n",
    "acwt": "u-1␣10.5\n\nu-2␣␣7␣\n",
    "lmwt.nolm": "␣u-1␣1\nu-2␣2\n",
    "lmwt.lmonly": "u-1␣3\n␣␣\nu-2␣4\n",
  ]

  static func directory(_ files: [String: String], separator: String) throws -> String {
    try TestSupport.directory(with: files.mapValues { TextInputRules.fill($0, with: separator) })
  }

  /// Writes `files` with a byte-order mark before the content of `marked`.
  static func directory(_ files: [String: String], marked: String) throws -> String {
    let directory = try TestSupport.directory(with: files.mapValues { TextInputRules.fill($0, with: " ") })
    writeBytes(
      TextInputRules.withByteOrderMark(TextInputRules.fill(files[marked]!, with: " ")), to: directory + "/" + marked)
    return directory
  }

  @Test(arguments: TextInputRules.separators)
  func kaldiArchiveSplitsOnEachSeparator(separator: String) throws {
    let lists = try KaldiNBestArchiveReader(directory: try Self.directory(Self.archive, separator: separator)).readAll()
    #expect(lists.count == 1)
    let hypotheses = lists[0].hypotheses
    #expect(hypotheses.map(\.words) == [["a\u{00A0}b", "c"], []])
    #expect(hypotheses.map(\.acousticCost) == [10.5, 7])
    #expect(hypotheses.map(\.graphCost) == [1, 2])
    #expect(hypotheses.map(\.ngramCost) == [3, 4])
  }

  @Test(arguments: ["words_text", "acwt", "lmwt.nolm", "lmwt.lmonly"])
  func kaldiArchiveRefusesAByteOrderMarkInAnyFile(file: String) throws {
    let directory = try Self.directory(Self.archive, marked: file)
    var error: (any Error)?
    do { _ = try KaldiNBestArchiveReader(directory: directory).readAll() } catch let caught { error = caught }
    #expect(TextInputRules.isByteOrderMarkError(error, file: directory + "/" + file), "\(String(describing: error))")
  }

  /// A no-break space is not a separator, so a cost field holding one is not a number.
  @Test func noBreakSpaceInsideACostIsNotANumber() throws {
    var files = Self.archive
    files["acwt"] = "u-1 10.5\u{00A0}\nu-2 7\n"
    let directory = try Self.directory(files, separator: " ")
    #expect(throws: InputError("acoustic cost is not a number: '10.5\u{00A0}'", file: directory + "/acwt", line: 1)) {
      _ = try KaldiNBestArchiveReader(directory: directory).readAll()
    }
  }

  @Test(arguments: TextInputRules.separators)
  func srilmListsSplitOnEachSeparator(separator: String) throws {
    let perUtterance = "-10␣-2␣2␣<s>␣a\u{00A0}b␣c␣</s>\n␣\n-11␣-3␣0\n"
    let directory = try Self.directory(
      ["u1.score": perUtterance, "one": "u1␣" + perUtterance.replacingOccurrences(of: "\n-11", with: "\nu1␣-11")],
      separator: separator)
    for layout in [SRILMNBestReader.Layout.directory(directory), .file(directory + "/one")] {
      let lists = try SRILMNBestReader(layout).readAll()
      #expect(lists.map(\.utteranceID) == ["u1"], "\(layout)")
      #expect(lists.first?.hypotheses.map(\.words) == [["a\u{00A0}b", "c"], []], "\(layout)")
      #expect(lists.first?.hypotheses.map(\.acousticCost) == [10 * CostParsing.ln10, 11 * CostParsing.ln10])
    }
  }

  @Test func srilmAndCuedRefuseAByteOrderMark() throws {
    let directory = try Self.directory(
      ["u1.score": "-10 -2 1 a\n", "one": "u1 -10 -2 1 a\n", "cued": "1 -10 -2 3 <s> a </s>\n"], separator: " ")
    for name in ["u1.score", "one", "cued"] {
      let path = directory + "/" + name
      writeBytes(TextInputRules.withByteOrderMark(try String(contentsOfFile: path, encoding: .utf8)), to: path)
    }
    let readers: [(String, () throws -> Void)] = [
      ("u1.score", { _ = try SRILMNBestReader(.directory(directory)).readAll() }),
      ("one", { _ = try SRILMNBestReader(.file(directory + "/one")).readAll() }),
      ("cued", { _ = try CUEDNBestReader(path: directory + "/cued").readAll() }),
    ]
    for (name, read) in readers {
      var error: (any Error)?
      do { try read() } catch let caught { error = caught }
      #expect(
        TextInputRules.isByteOrderMarkError(error, file: directory + "/" + name),
        "\(name): \(String(describing: error))")
    }
  }

  @Test(arguments: TextInputRules.separators)
  func cuedListsSplitOnEachSeparator(separator: String) throws {
    let directory = try Self.directory(
      ["cued": "1␣-10␣-2␣4␣<s>␣a\u{00A0}b␣c␣</s>\n␣\n1␣-11␣-3␣2␣<s>␣</s>␣\n"], separator: separator)
    let lists = try CUEDNBestReader(path: directory + "/cued").readAll()
    #expect(lists.map(\.utteranceID) == ["1"])
    #expect(lists.first?.hypotheses.map(\.words) == [["a\u{00A0}b", "c"], []])
  }

  @Test(arguments: TextInputRules.separators)
  func rnnCostTablesSplitOnEachSeparator(separator: String) throws {
    let directory = try Self.directory(["lmwt.rnn": "u-1␣4.5\n␣\n␣u-2␣␣7␣\n"], separator: separator)
    let table = try RNNCostTable(paths: RNNCostTable.files(in: directory))
    var list = NBestList(
      utteranceID: "u", hypotheses: [1, 2].map { NBestHypothesis(rank: $0, words: [], acousticCost: 0) })
    try table.apply(to: &list)
    #expect(list.hypotheses.map(\.rnnCost) == [4.5, 7])
    try table.finish()
    let marked = try Self.directory(["lmwt.rnn": "u-1 4.5\n"], marked: "lmwt.rnn")
    var error: (any Error)?
    do { _ = try RNNCostTable(paths: [marked + "/lmwt.rnn"]) } catch let caught { error = caught }
    #expect(TextInputRules.isByteOrderMarkError(error, file: marked + "/lmwt.rnn"))
  }

  /// References (`rescore-nbest --ref`): the one table reader, so any rspecifier.
  @Test(arguments: TextInputRules.separators)
  func referencesSplitOnEachSeparatorInEveryForm(separator: String) throws {
    let directory = try Self.directory(["text": "u1␣a\u{00A0}b␣c\n␣\nu2␣\n"], separator: separator)
    let path = directory + "/text"
    for form in [path, "ark:" + path, "ark,t:" + path, "ark,s,cs:" + path, "ark,p:" + path, "ark:cat \(path) |"] {
      let (transcripts, order) = try KaldiTextReader.read(path: form)
      #expect(order == ["u1", "u2"], "\(form)")
      #expect(transcripts == ["u1": ["a\u{00A0}b", "c"], "u2": []], "\(form)")
    }
    let marked = try Self.directory(["text": "u1 a\n"], marked: "text")
    var error: (any Error)?
    do { _ = try KaldiTextReader.read(path: "ark,t:" + marked + "/text") } catch let caught { error = caught }
    #expect(TextInputRules.isByteOrderMarkError(error, file: marked + "/text"))
  }

  static let arpa = """
    ␣\\data\\␣
    ngram␣1=4
    ngram␣2=1

    \\1-grams:
    -99␣<s>␣-0.5
    -1.0␣a\u{00A0}b␣-0.3
    ␣-0.8␣</s>
    -2.0␣<unk>␣

    \\2-grams:
    -0.4␣<s>␣a\u{00A0}b

    \\end\\

    """

  @Test(arguments: TextInputRules.separators)
  func arpaModelsSplitOnEachSeparator(separator: String) throws {
    let directory = try Self.directory(["lm.arpa": Self.arpa], separator: separator)
    let model = try ARPAModel(path: directory + "/lm.arpa")
    #expect(model.counts == [4, 1])
    #expect(model.contains("a\u{00A0}b") && !model.contains("a"))
    #expect(abs(model.wordCosts(["a\u{00A0}b"])[0] - 0.4 * CostParsing.ln10) < 1e-5)
    let marked = try Self.directory(["lm.arpa": Self.arpa], marked: "lm.arpa")
    var error: (any Error)?
    do { _ = try ARPAModel(path: marked + "/lm.arpa") } catch let caught { error = caught }
    #expect(TextInputRules.isByteOrderMarkError(error, file: marked + "/lm.arpa"))
  }
}
