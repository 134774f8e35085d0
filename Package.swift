// swift-tools-version:6.0
import PackageDescription

// Release builds are tuned to the building machine's CPU (AVX2/AVX-512 for the element-wise
// kernels), as faster-rnnlm's `-march=native`. To build binaries for other machines, e.g. the
// oldest nodes of a cluster, set NCERESCORE_TARGET_CPU (an LLVM CPU name: x86-64, haswell, ...).
let targetCPU = Context.environment["NCERESCORE_TARGET_CPU"] ?? "native"
let optimize: [SwiftSetting] = [
  .unsafeFlags(["-Ounchecked", "-wmo", "-target-cpu", targetCPU], .when(configuration: .release))
]

let package = Package(
  name: "NCERescore",
  platforms: [.macOS(.v13)],
  products: [
    .library(name: "NCECore", targets: ["NCECore"]),
    .library(name: "NCEModel", targets: ["NCEModel"]),
    .library(name: "NBestRescoring", targets: ["NBestRescoring"]),
    .library(name: "WERScoring", targets: ["WERScoring"]),
    .executable(name: "rnnlm-train", targets: ["rnnlm-train"]),
    .executable(name: "rnnlm-eval", targets: ["rnnlm-eval"]),
    .executable(name: "rnnlm-score", targets: ["rnnlm-score"]),
    .executable(name: "rescore-nbest", targets: ["rescore-nbest"]),
    .executable(name: "compute-wer", targets: ["compute-wer"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
  ],
  targets: [
    .systemLibrary(
      name: "CBLAS", pkgConfig: "openblas",
      providers: [.apt(["libopenblas-dev"])]),
    .systemLibrary(
      name: "CZstd", pkgConfig: "libzstd",
      providers: [.apt(["libzstd-dev"])]),
    .target(name: "NCECore", dependencies: ["CBLAS", "CZstd"], swiftSettings: optimize),
    .target(name: "NCEModel", dependencies: ["NCECore"], swiftSettings: optimize),
    .target(name: "WERScoring", dependencies: ["NCECore"], swiftSettings: optimize),
    .target(
      name: "NBestRescoring", dependencies: ["NCECore", "NCEModel", "WERScoring"],
      swiftSettings: optimize),
    .target(
      name: "ToolSupport",
      dependencies: ["NCECore", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
    .executableTarget(
      name: "rnnlm-train",
      dependencies: ["NCEModel", "ToolSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
    .executableTarget(
      name: "rnnlm-eval",
      dependencies: ["NCEModel", "ToolSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
    .executableTarget(
      name: "rnnlm-score",
      dependencies: ["NCEModel", "NBestRescoring", "ToolSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
    .executableTarget(
      name: "rescore-nbest",
      dependencies: ["NBestRescoring", "ToolSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
    .executableTarget(
      name: "compute-wer",
      dependencies: ["WERScoring", "ToolSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
    // Shared by the test targets: seeded file mutations for the reader fuzz tests.
    .target(name: "FuzzSupport", dependencies: ["NCECore"], path: "Tests/FuzzSupport"),
    .testTarget(name: "NCECoreTests", dependencies: ["NCECore", "FuzzSupport"]),
    .testTarget(name: "NCEModelTests", dependencies: ["NCEModel", "FuzzSupport"]),
    .testTarget(name: "WERScoringTests", dependencies: ["WERScoring", "NCECore", "FuzzSupport"], resources: [.copy("Fixtures")]),
    .testTarget(
      name: "NBestRescoringTests", dependencies: ["NBestRescoring", "FuzzSupport"], exclude: ["Fixtures", "Reference"]),
    .testTarget(
      name: "ToolTests",
      dependencies: ["rnnlm-train", "rnnlm-eval", "rnnlm-score", "rescore-nbest", "compute-wer", "NCEModel"]),
  ]
)
