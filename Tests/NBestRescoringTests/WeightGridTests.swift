import FileIO
import NCECore
import Testing

@testable import NBestRescoring

@Suite struct WeightGridTests {
  @Test(arguments: [
    ("9.5", [9.5], ["9.5"]),
    ("0.0,0.5,1.0", [0, 0.5, 1], ["0", "0.5", "1"]),
    ("7:10", [7, 8, 9, 10], ["7", "8", "9", "10"]),
    ("0:0.25:1", [0, 0.25, 0.5, 0.75, 1], ["0", "0.25", "0.5", "0.75", "1"]),
    ("0:0.1:0.3", [0, 0.1, 0.2, 0.3], ["0", "0.1", "0.2", "0.3"]),
    ("0:0.3:1", [0, 0.3, 0.6, 0.9], ["0", "0.3", "0.6", "0.9"]),
    ("-1:0.5:0", [-1, -0.5, 0], ["-1", "-0.5", "0"]),
    ("1e-5,20", [1e-5, 20], ["1e-05", "20"]),
  ])
  func parses(text: String, values: [Double], labels: [String]) throws {
    let grid = try WeightGrid(parsing: text, name: "--lmwt")
    #expect(grid.values == values)
    #expect(grid.labels == labels)
  }

  @Test(arguments: [
    ("1:0.5", "bad value '1:0.5' for --lmwt: 'a:b' means the integers a..b; use start:step:end for fractions"),
    ("0:0:1", "bad value '0:0:1' for --lmwt: the step must be positive"),
    ("2:1", "bad value '2:1' for --lmwt: the end is below the start"),
    ("1,,2", "bad value '1,,2' for --lmwt: '' is not a finite number"),
    ("x", "bad value 'x' for --lmwt: 'x' is not a finite number"),
    ("0:1e-6:1", "bad value '0:1e-6:1' for --lmwt: more than 10000 values"),
  ])
  func rejects(text: String, message: String) {
    #expect {
      _ = try WeightGrid(parsing: text, name: "--lmwt")
    } throws: { error in
      (error as? InputError)?.message == message
    }
  }
}
