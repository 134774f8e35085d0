import Foundation
import NCECore
import Testing

@testable import NCEModel

/// The fused per-row kernels of the LSTM and GRU steps against the layers' equations in Double,
/// on hidden sizes with and without a partial 16-lane tail (the layers' finite-difference tests
/// check the wiring; these check every lane).
@Suite struct RecurrentStepKernelTests {
  static func values(_ count: Int, seed: UInt64, scale: Float = 3) -> [Float] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in (generator.nextUniform() * 2 - 1) * scale }
  }

  static func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }

  static func close(_ a: Float, _ b: Double, _ what: String) {
    #expect(abs(Double(a) - b) <= 2e-6 * max(1, abs(b)), "\(what): \(a) vs \(b)")
  }

  @Test(arguments: [16, 37, 200])
  func lstmStepRowMatchesTheEquations(h: Int) {
    let x = Self.values(4 * h, seed: 1)
    let previousCell = Self.values(h, seed: 2)
    var gates = x
    var cell = [Float](repeating: .nan, count: h)
    var tanhCell = cell
    var hidden = cell
    gates.withUnsafeMutableBufferPointer { g in
      cell.withUnsafeMutableBufferPointer { c in
        tanhCell.withUnsafeMutableBufferPointer { t in
          hidden.withUnsafeMutableBufferPointer { hn in
            LSTMLayer.stepRow(
              gates: g.baseAddress!, previousCell: previousCell, cell: c.baseAddress!, tanhCell: t.baseAddress!,
              hidden: hn.baseAddress!, count: h)
          }
        }
      }
    }
    for j in 0..<h {
      let i = Self.sigmoid(Double(x[j]))
      let f = Self.sigmoid(Double(x[h + j]))
      let g = Foundation.tanh(Double(x[2 * h + j]))
      let o = Self.sigmoid(Double(x[3 * h + j]))
      let c = f * Double(previousCell[j]) + i * g
      Self.close(gates[j], i, "i[\(j)]")
      Self.close(gates[h + j], f, "f[\(j)]")
      Self.close(gates[2 * h + j], g, "g[\(j)]")
      Self.close(gates[3 * h + j], o, "o[\(j)]")
      Self.close(cell[j], c, "c[\(j)]")
      Self.close(tanhCell[j], Foundation.tanh(c), "tanh c[\(j)]")
      Self.close(hidden[j], o * Foundation.tanh(c), "h[\(j)]")
    }
  }

  @Test(arguments: [16, 37, 200])
  func gruStepRowAndGradientsMatchTheEquations(h: Int) {
    let x = Self.values(3 * h, seed: 3)
    let recurrent = Self.values(3 * h, seed: 4)
    let bias = Self.values(3 * h, seed: 5, scale: 0.5)
    let previous = Self.values(h, seed: 6, scale: 1)
    var gates = x
    var recurrentN = [Float](repeating: .nan, count: h)
    var next = recurrentN
    gates.withUnsafeMutableBufferPointer { g in
      recurrentN.withUnsafeMutableBufferPointer { rn in
        next.withUnsafeMutableBufferPointer { hn in
          GRULayer.stepRow(
            gates: g.baseAddress!, recurrent: recurrent, recurrentBias: bias, recurrentN: rn.baseAddress!,
            previous: previous, next: hn.baseAddress!, count: h)
        }
      }
    }
    let gradOutput = Self.values(h, seed: 7, scale: 1)
    var gradHidden = Self.values(h, seed: 8, scale: 1)
    let gradHiddenIn = gradHidden
    var gradInputGates = [Float](repeating: .nan, count: 3 * h)
    var gradRecurrentGates = gradInputGates
    gradHidden.withUnsafeMutableBufferPointer { dh in
      gradInputGates.withUnsafeMutableBufferPointer { dx in
        gradRecurrentGates.withUnsafeMutableBufferPointer { dr in
          GRULayer.gateGradients(
            gates: gates, recurrentN: recurrentN, previous: previous, gradOutput: gradOutput,
            gradHidden: dh.baseAddress!, gradInputGates: dx.baseAddress!, gradRecurrentGates: dr.baseAddress!,
            count: h)
        }
      }
    }
    for j in 0..<h {
      let a = (0..<3).map { Double(recurrent[$0 * h + j]) + Double(bias[$0 * h + j]) }
      let r = Self.sigmoid(Double(x[j]) + a[0])
      let z = Self.sigmoid(Double(x[h + j]) + a[1])
      let n = Foundation.tanh(Double(x[2 * h + j]) + r * a[2])
      let hp = Double(previous[j])
      Self.close(gates[j], r, "r[\(j)]")
      Self.close(gates[h + j], z, "z[\(j)]")
      Self.close(gates[2 * h + j], n, "n[\(j)]")
      Self.close(recurrentN[j], a[2], "a_n[\(j)]")
      Self.close(next[j], (1 - z) * n + z * hp, "h'[\(j)]")
      let d = Double(gradOutput[j]) + Double(gradHiddenIn[j])
      let dn = d * (1 - z) * (1 - n * n)
      let dz = d * (hp - n) * z * (1 - z)
      let dr = dn * a[2] * r * (1 - r)
      Self.close(gradInputGates[j], dr, "dx_r[\(j)]")
      Self.close(gradInputGates[h + j], dz, "dx_z[\(j)]")
      Self.close(gradInputGates[2 * h + j], dn, "dx_n[\(j)]")
      Self.close(gradRecurrentGates[j], dr, "dh_r[\(j)]")
      Self.close(gradRecurrentGates[h + j], dz, "dh_z[\(j)]")
      Self.close(gradRecurrentGates[2 * h + j], dn * r, "dh_n[\(j)]")
      Self.close(gradHidden[j], d * z, "dh_prev[\(j)]")
    }
  }
}
