import Testing

@testable import WERScoring

struct DetailsTests {
  let example = [
    AlignedPair(reference: "word-A", hypothesis: "word-A"),
    AlignedPair(reference: nil, hypothesis: "word-A"),
    AlignedPair(reference: "word-B", hypothesis: "word-B"),
    AlignedPair(reference: "word-C", hypothesis: nil),
    AlignedPair(reference: "word-D", hypothesis: "word-D"),
    AlignedPair(reference: "word-E", hypothesis: "word-X"),
  ]

  /// wer_per_utt_details.pl's documented example output.
  @Test func perUtteranceMatchesKaldiExample() {
    #expect(
      PerUtteranceDetails.lines(key: "UTT-A", alignment: example) == """
        UTT-A ref  word-A   <eps>  word-B  word-C  word-D  word-E
        UTT-A hyp  word-A  word-A  word-B   <eps>  word-D  word-X
        UTT-A op      C       I       C       D       C       S  
        UTT-A #csid 3 1 1 1

        """)
  }

  @Test func perUtteranceCentresUnicodeByScalars() {
    let lines = PerUtteranceDetails.lines(
      key: "u", alignment: [AlignedPair(reference: "你好吗", hypothesis: "a")])
    #expect(lines.hasPrefix("u ref  你好吗\nu hyp   a \nu op    S \n"))
  }

  /// score_kaldi.sh's ops order: by operation, most frequent first, then by words.
  @Test func opsAreGroupedAndMostFrequentFirst() {
    var ops = OperationCounts()
    ops.add(example)
    ops.add([
      AlignedPair(reference: "word-B", hypothesis: "word-B"),
      AlignedPair(reference: "z", hypothesis: "y"),
    ])
    #expect(
      ops.text() == """
        correct       word-B    word-B    2
        correct       word-A    word-A    1
        correct       word-D    word-D    1
        deletion      word-C     <eps>    1
        insertion      <eps>    word-A    1
        substitution  word-E    word-X    1
        substitution       z         y    1

        """)
  }

  /// wer_per_spk_details.pl's documented example (speaker A, 1 sentence, 3/1/1/1).
  @Test func perSpeakerMatchesKaldiExample() {
    var speakers = SpeakerDetails()
    speakers.add(speaker: "A", alignment: example)
    let header =
      "SPEAKER         id       #SENT      #WORD       Corr        Sub        Ins        Del        Err      S.Err\n"
    #expect(
      speakers.text() == header
        + "A               raw          1          5          3          1          1          1          3          1\n"
        + "A               sys          1          5      60.00      20.00      20.00      20.00      60.00     100.00\n"
        + "SUM             raw          1          5          3          1          1          1          3          1\n"
        + "SUM             sys          1          5      60.00      20.00      20.00      20.00      60.00     100.00\n"
    )
  }

  @Test func speakerFromUtterancePrefix() {
    #expect(DetailsWriter.speakerPrefix(of: "spk1-utt7") == "spk1")
    #expect(DetailsWriter.speakerPrefix(of: "spk2_a-b") == "spk2")
    #expect(DetailsWriter.speakerPrefix(of: "single") == "single")
  }
}
