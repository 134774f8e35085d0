import FileIO
import Foundation
import NCECore
import Testing

@testable import NBestRescoring

@Suite struct CUEDNBestReaderTests {
  @Test func groupsByNbidAndStripsMarkers() throws {
    let directory = try TestSupport.directory(with: [
      "nbest.txt": "0 -200 -10 2 <s> hello world </s>\r\n0 -201 -9 3 <s> hello </s>\n1 -50 -3 0 <s> </s>\n"
    ])
    let lists = try CUEDNBestReader(path: directory + "/nbest.txt").readAll()
    #expect(lists.map(\.utteranceID) == ["0", "1"])
    #expect(lists[0].hypotheses.map(\.words) == [["hello", "world"], ["hello"]])
    #expect(lists[0].hypotheses.map(\.rank) == [1, 2])
    #expect(abs(lists[0].hypotheses[0].acousticCost - 200 * log(10.0)) < 1e-9)
    #expect(abs(lists[0].hypotheses[1].ngramCost! - 9 * log(10.0)) < 1e-9)
    #expect(lists[1].hypotheses[0].words.isEmpty)
  }

  @Test func wrongWordCountIsAnError() throws {
    let directory = try TestSupport.directory(with: ["nbest.txt": "0 -200 -10 3 <s> hello world </s>\n"])
    #expect {
      _ = try CUEDNBestReader(path: directory + "/nbest.txt").readAll()
    } throws: { error in
      (error as? InputError)?.description
        == directory + "/nbest.txt:1: nword '3' does not match the 2 words on the line"
    }
  }
}

@Suite struct NBestFormatTests {
  @Test func opensEachFormat() throws {
    let directory = try TestSupport.directory(with: [
      "words_text": "u-1 a\n", "acwt": "u-1 1\n", "lmwt.nolm": "u-1 0\n", "x.score": "-1 -1 1 a\n",
      "cued.txt": "0 -1 -1 1 <s> a </s>\n", "srilm.txt": "u -1 -1 1 a\n",
    ])
    for (format, path) in [
      (NBestFormat.kaldi, directory), (.srilm, directory), (.srilm, directory + "/srilm.txt"),
      (.cued, directory + "/cued.txt"),
    ] {
      let lists = try format.reader(path: path).readAll()
      #expect(lists.count == 1 && lists[0].hypotheses[0].words == ["a"], "\(format) \(path)")
    }
  }
}
