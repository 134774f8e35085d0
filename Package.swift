// swift-tools-version:6.0
import PackageDescription

// Release builds keep Swift's safety checks (-O, whole-module by SwiftPM's default); hot loops
// that measured faster without bounds checks use unsafe buffer pointers locally.
//
// They are tuned to the building machine's CPU (AVX2/AVX-512 for the element-wise kernels), as
// faster-rnnlm's `-march=native`. NCERESCORE_TARGET_CPU names another LLVM CPU (x86-64, haswell,
// ...) for binaries that run elsewhere, or `portable` for no tuning. The tuning is an unsafe
// flag, which SwiftPM refuses in a package fetched as a dependency, so a checkout of this package
// inside another package's build folder (`.../checkouts/...`) builds portable code.
let isFetchedDependency = Context.packageDirectory.contains("/checkouts/")
let targetCPU = Context.environment["NCERESCORE_TARGET_CPU"] ?? "native"
let optimize: [SwiftSetting] =
  isFetchedDependency || targetCPU == "portable"
  ? [] : [.unsafeFlags(["-target-cpu", targetCPU], .when(configuration: .release))]

let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")

let package = Package(
  name: "NCERescore",
  platforms: [.macOS(.v13)],
  products: [
    .library(name: "FileIO", targets: ["FileIO"]),
    .library(name: "NCECore", targets: ["NCECore"]),
    .library(name: "NCEModel", targets: ["NCEModel"]),
    .library(name: "NBestRescoring", targets: ["NBestRescoring"]),
    .library(name: "WERScoring", targets: ["WERScoring"]),
    .library(name: "ToolSupport", targets: ["ToolSupport"]),
    .library(name: "ToolOptions", targets: ["ToolOptions"]),
    .executable(name: "rnnlm-train", targets: ["rnnlm-train"]),
    .executable(name: "rnnlm-eval", targets: ["rnnlm-eval"]),
    .executable(name: "rnnlm-score", targets: ["rnnlm-score"]),
    .executable(name: "rescore-nbest", targets: ["rescore-nbest"]),
    .executable(name: "rescore-lattice", targets: ["rescore-lattice"]),
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
    // Software prefetch for random table accesses (header-only).
    .target(name: "CPrefetch"),
    // Files, text lines, compression, atomic outputs, signals: no numerics, no OpenBLAS.
    .target(name: "FileIO", dependencies: ["CZstd"], swiftSettings: optimize),
    // Matrices, OpenBLAS, SIMD kernels, sampling.
    .target(name: "NCECore", dependencies: ["FileIO", "CBLAS"], swiftSettings: optimize),
    .target(name: "NCEModel", dependencies: ["FileIO", "NCECore", "CPrefetch"], swiftSettings: optimize),
    .target(name: "WERScoring", dependencies: ["FileIO"], swiftSettings: optimize),
    .target(
      name: "NBestRescoring", dependencies: ["FileIO", "NCECore", "NCEModel", "WERScoring"],
      swiftSettings: optimize),
    .target(name: "ToolSupport", dependencies: ["FileIO", argumentParser]),
    // The option declarations of the larger tools and their mapping to library requests.
    .target(
      name: "ToolOptions",
      dependencies: ["FileIO", "NCEModel", "NBestRescoring", "WERScoring", "ToolSupport", argumentParser]),
    .executableTarget(
      name: "rnnlm-train",
      dependencies: ["FileIO", "NCECore", "NCEModel", "ToolOptions", "ToolSupport", argumentParser]),
    .executableTarget(
      name: "rnnlm-eval", dependencies: ["FileIO", "NCECore", "NCEModel", "ToolSupport", argumentParser]),
    .executableTarget(
      name: "rnnlm-score",
      dependencies: ["FileIO", "NCEModel", "ToolSupport", argumentParser]),
    .executableTarget(
      name: "rescore-nbest",
      dependencies: ["FileIO", "NBestRescoring", "ToolOptions", "ToolSupport", argumentParser]),
    .executableTarget(
      name: "rescore-lattice",
      dependencies: ["FileIO", "NBestRescoring", "ToolOptions", "ToolSupport", argumentParser]),
    .executableTarget(
      name: "compute-wer", dependencies: ["WERScoring", "ToolSupport", argumentParser]),
    // Shared by the test targets: temporary directories and seeded file mutations for fuzzing.
    .target(name: "TestSupport", dependencies: ["FileIO", "NCECore"], path: "Tests/TestSupport"),
    .testTarget(name: "FileIOTests", dependencies: ["FileIO", "NCECore", "TestSupport"]),
    .testTarget(name: "NCECoreTests", dependencies: ["FileIO", "NCECore"]),
    .testTarget(name: "NCEModelTests", dependencies: ["FileIO", "NCECore", "NCEModel", "TestSupport"]),
    .testTarget(
      name: "WERScoringTests", dependencies: ["WERScoring", "FileIO", "TestSupport"],
      resources: [.copy("Fixtures")]),
    .testTarget(
      name: "NBestRescoringTests",
      dependencies: ["NBestRescoring", "FileIO", "NCECore", "NCEModel", "WERScoring", "TestSupport"],
      exclude: ["Fixtures", "Reference"]),
    .testTarget(name: "ToolOptionsTests", dependencies: ["ToolOptions", "NBestRescoring", "NCEModel"]),
    .testTarget(name: "ToolSupportTests", dependencies: ["ToolSupport", "FileIO", "TestSupport", argumentParser]),
    .testTarget(
      name: "ToolTests",
      dependencies: [
        "rnnlm-train", "rnnlm-eval", "rnnlm-score", "rescore-nbest", "rescore-lattice", "compute-wer", "NCECore",
        "NCEModel",
        "TestSupport",
      ]),
  ]
)
