// swift-tools-version:6.0
import PackageDescription

// Kernels are plain Swift SIMD and build for the default x86-64 target. Setting
// LOSSKIT_TARGET_CPU (for example `haswell`) compiles them for that CPU as well, which
// enables AVX2 and FMA; see docs/benchmarks.md for what it gains. The flag is only added when
// asked for, so the package stays usable as a dependency.
let targetCPU = Context.environment["LOSSKIT_TARGET_CPU"].flatMap { $0.isEmpty ? nil : $0 }
let tuned: [SwiftSetting] =
  targetCPU.map { [.unsafeFlags(["-target-cpu", $0]), .define("LOSSKIT_FMA")] } ?? []

// libFuzzer harnesses (Tests/Fuzz/NAME/main.swift), built only when LOSSKIT_FUZZ is set, by
// Tests/Fuzz/run.sh with -sanitize=fuzzer,address: plain `swift build` and `swift test` never
// see them. A new harness is a folder with its main.swift and a seed corpus, plus its name here.
let fuzzHarnesses = ["safetensors", "ann", "golden", "loss-expression"]
let fuzzTargets: [Target] =
  Context.environment["LOSSKIT_FUZZ"] == nil
  ? []
  : [
    .target(name: "CLossKitFuzzDriver", path: "Tests/Fuzz/Driver"),
    .target(name: "LossKitFuzzing", dependencies: ["CLossKitFuzzDriver"], path: "Tests/Fuzz/Support"),
  ]
    + fuzzHarnesses.map {
      .executableTarget(
        name: "fuzz-\($0)", dependencies: ["LossKit", "LossKitFuzzing"], path: "Tests/Fuzz/\($0)",
        exclude: ["corpus", "dictionary"])
    }

let package = Package(
  name: "LossKit",
  platforms: [.macOS(.v15)],
  products: [
    .library(name: "LossKit", targets: ["LossKit"]),
    .executable(name: "losskit", targets: ["losskit"]),
    .executable(name: "losskit-bench", targets: ["losskit-bench"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
  ],
  targets: [
    .target(name: "LossKitCore", swiftSettings: tuned),
    .target(
      name: "LossKitFocal", dependencies: ["LossKitCore"], path: "Plugins/FocalLoss",
      swiftSettings: tuned),
    .target(
      name: "LossKitFocalF1", dependencies: ["LossKitCore"], path: "Plugins/FocalF1Loss",
      swiftSettings: tuned),
    .target(
      name: "LossKitClassWeighted", dependencies: ["LossKitCore"],
      path: "Plugins/ClassWeightedLoss", swiftSettings: tuned),
    .target(
      name: "LossKitContrastive", dependencies: ["LossKitCore"],
      path: "Plugins/ContrastiveLoss", swiftSettings: tuned),
    .target(name: "LossKitNN", dependencies: ["LossKitCore"], swiftSettings: tuned),
    .target(name: "LossKitData", dependencies: ["LossKitCore"]),
    .target(
      name: "LossKitTraining", dependencies: ["LossKitCore", "LossKitNN", "LossKitData"],
      swiftSettings: tuned),
    .target(name: "CLossKitPlugin"),
    .target(name: "LossKitCustom", dependencies: ["LossKitCore", "CLossKitPlugin"]),
    .target(
      name: "LossKitArchive",
      dependencies: ["LossKitCore", "LossKitNN", "LossKitData", "LossKitTraining"]),
    .target(
      name: "LossKit",
      dependencies: [
        "LossKitCore", "LossKitFocal", "LossKitFocalF1", "LossKitClassWeighted",
        "LossKitContrastive", "LossKitNN", "LossKitData", "LossKitTraining", "LossKitArchive",
        "LossKitCustom",
      ]),
    .executableTarget(
      name: "losskit",
      dependencies: ["LossKit", .product(name: "ArgumentParser", package: "swift-argument-parser")]
    ),
    .executableTarget(
      name: "losskit-bench",
      dependencies: ["LossKit", .product(name: "ArgumentParser", package: "swift-argument-parser")],
      path: "Benchmarks/losskit-bench", swiftSettings: tuned),
    .executableTarget(name: "ComposeLosses", dependencies: ["LossKit"], path: "Examples/ComposeLosses"),
    .executableTarget(name: "CustomLoss", dependencies: ["LossKit"], path: "Examples/CustomLoss"),
    .executableTarget(name: "ReloadByName", dependencies: ["LossKit"], path: "Examples/ReloadByName"),
    .executableTarget(name: "SkolLines", dependencies: ["LossKit"], path: "Examples/SkolLines"),
    .executableTarget(
      name: "NativePlugin", dependencies: ["LossKit"], path: "Examples/NativePlugin",
      exclude: ["plugin"]),
    .testTarget(name: "LossKitCoreTests", dependencies: ["LossKitCore"]),
    .testTarget(name: "LossKitNNTests", dependencies: ["LossKitNN", "LossKitTesting"]),
    .testTarget(name: "LossKitDataTests", dependencies: ["LossKitData"]),
    .testTarget(
      name: "LossKitArchiveTests", dependencies: ["LossKitArchive", "LossKit"],
      resources: [.copy("Fixtures")]),
    .testTarget(name: "LossKitCustomTests", dependencies: ["LossKitCustom", "LossKit", "LossKitTesting"]),
    .testTarget(
      name: "LossKitTrainingTests",
      dependencies: ["LossKitTraining", "LossKit", "LossKitTesting"]),
    .testTarget(name: "LossKitFocalTests", dependencies: ["LossKitFocal", "LossKitTesting"]),
    .testTarget(name: "LossKitFocalF1Tests", dependencies: ["LossKitFocalF1", "LossKitTesting"]),
    .testTarget(
      name: "LossKitClassWeightedTests", dependencies: ["LossKitClassWeighted", "LossKitTesting"]),
    .testTarget(
      name: "LossKitContrastiveTests", dependencies: ["LossKitContrastive", "LossKitTesting"]),
    .testTarget(
      name: "LossKitTests", dependencies: ["LossKit", "LossKitTesting"],
      resources: [.copy("Fixtures")]),
    .target(name: "LossKitTesting", dependencies: ["LossKitCore"], path: "Tests/LossKitTesting"),
    // Saves a model repeatedly, for the archive tests of concurrent and killed saves.
    .executableTarget(
      name: "losskit-test-saver", dependencies: ["LossKit"], path: "Tests/TestSaver"),
  ] + fuzzTargets
)
