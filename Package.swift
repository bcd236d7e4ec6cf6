// swift-tools-version:6.0
import PackageDescription

// Everything builds for the target's baseline (SSE2 on x86-64) with no unsafe flags, so the
// package stays usable as a dependency and one binary runs on any CPU. The kernels choose
// their instruction set at run time: AVX2 + FMA twins in C (CLossKitKernels) where the CPU
// has them, the Swift kernels elsewhere or when LOSSKIT_CPU=baseline (docs/benchmarks.md).

// libFuzzer harnesses (Tests/Fuzz/NAME/main.swift), built only when LOSSKIT_FUZZ is set, by
// Tests/Fuzz/run.sh with -sanitize=fuzzer,address: plain `swift build` and `swift test` never
// see them. A new harness is a folder with its main.swift and a seed corpus, plus its name here.
let fuzzHarnesses = ["safetensors", "ann", "golden", "loss-expression", "csv", "manifest"]
let fuzzTargets: [Target] =
  Context.environment["LOSSKIT_FUZZ"] == nil
  ? []
  : [
    .target(name: "CLossKitFuzzDriver", path: "Tests/Fuzz/Driver"),
    .target(
      name: "LossKitFuzzing", dependencies: ["CLossKitFuzzDriver"], path: "Tests/Fuzz/Support"),
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
    .library(name: "LossKitRedis", targets: ["LossKitRedis"]),
    .library(name: "LossKitC", type: .dynamic, targets: ["LossKitC"]),
    .library(name: "LossKitDifferentiable", targets: ["LossKitDifferentiable"]),
    .executable(name: "losskit", targets: ["losskit"]),
    .executable(name: "losskit-bench", targets: ["losskit-bench"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/swiftcsv/SwiftCSV", from: "0.10.0"),
    .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
  ],
  targets: [
    // Kernels: SIMD maths, row tiles, GEMM, parallel chunks, scratch buffers. Internal to the
    // package (`package` access): no product exposes them. The Swift kernels are the portable
    // path; CLossKitKernels holds their AVX2 + FMA twins (`__attribute__((target))` in C, so no
    // unsafe flags), chosen at run time by `InstructionSet.selected`.
    .target(name: "CLossKitKernels"),
    .target(name: "LossKitKernels", dependencies: ["CLossKitKernels"]),
    .target(name: "LossKitCore", dependencies: ["LossKitKernels"]),
    .target(
      name: "LossKitFocal", dependencies: ["LossKitCore", "LossKitKernels"],
      path: "Plugins/FocalLoss"),
    .target(
      name: "LossKitFocalF1", dependencies: ["LossKitCore", "LossKitKernels"],
      path: "Plugins/FocalF1Loss"),
    .target(
      name: "LossKitClassWeighted", dependencies: ["LossKitCore"], path: "Plugins/ClassWeightedLoss"),
    .target(
      name: "LossKitContrastive", dependencies: ["LossKitCore", "LossKitKernels"],
      path: "Plugins/ContrastiveLoss"),
    .target(
      name: "LossKitCRF", dependencies: ["LossKitCore", "LossKitKernels"], path: "Plugins/CRFLoss"),
    .target(name: "LossKitNN", dependencies: ["LossKitCore", "LossKitKernels"]),
    .target(name: "LossKitData", dependencies: ["LossKitCore", "LossKitKernels", "SwiftCSV"]),
    .target(
      name: "LossKitTraining",
      dependencies: ["LossKitCore", "LossKitNN", "LossKitData", "LossKitCRF"]),
    .target(name: "CLossKitPlugin"),
    .systemLibrary(
      name: "CLibFFI", pkgConfig: "libffi", providers: [.apt(["libffi-dev"]), .brew(["libffi"])]),
    .target(name: "LossKitCustom", dependencies: ["LossKitCore", "CLossKitPlugin", "CLibFFI"]),
    // The `_Differentiation` route, outside the umbrella: Xcode toolchains lack that module.
    .target(name: "LossKitDifferentiable", dependencies: ["LossKitCore", "LossKitCustom"]),
    .target(
      name: "LossKitArchive",
      dependencies: [
        "LossKitCore", "LossKitNN", "LossKitData", "LossKitTraining", "LossKitCustom",
      ]),
    .target(name: "LossKitRedis", dependencies: ["LossKitArchive"]),
    // The C API (include/losskit.h) over saved models, for Python and other languages.
    .target(name: "LossKitC", dependencies: ["LossKit", "LossKitRedis"], exclude: ["include"]),
    .target(
      name: "LossKit",
      dependencies: [
        "LossKitCore", "LossKitFocal", "LossKitFocalF1", "LossKitClassWeighted",
        "LossKitContrastive", "LossKitNN", "LossKitData", "LossKitTraining", "LossKitArchive",
        "LossKitCustom", "LossKitCRF",
      ]),
    .executableTarget(
      name: "losskit",
      dependencies: [
        "LossKit", "LossKitRedis",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .executableTarget(
      name: "losskit-bench",
      dependencies: [
        "LossKit", .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Benchmarks/losskit-bench"),
    .executableTarget(
      name: "losskit-custom-bench", dependencies: ["LossKit", "LossKitDifferentiable"],
      path: "Benchmarks/custom-loss-bench", exclude: ["smooth_hinge.c"]),
    .executableTarget(
      name: "ComposeLosses", dependencies: ["LossKit"], path: "Examples/ComposeLosses"),
    .executableTarget(name: "CustomLoss", dependencies: ["LossKit"], path: "Examples/CustomLoss"),
    .executableTarget(name: "CustomModel", dependencies: ["LossKit"], path: "Examples/CustomModel"),
    .executableTarget(
      name: "ReloadByName", dependencies: ["LossKit"], path: "Examples/ReloadByName"),
    .executableTarget(name: "SkolLines", dependencies: ["LossKit"], path: "Examples/SkolLines"),
    .executableTarget(
      name: "NativePlugin", dependencies: ["LossKit"], path: "Examples/NativePlugin",
      exclude: ["plugin"]),
    .executableTarget(
      name: "ForeignLoss", dependencies: ["LossKit"], path: "Examples/ForeignLoss",
      exclude: ["hinge.c"]),
    .testTarget(name: "LossKitKernelsTests", dependencies: ["LossKitKernels", "LossKitCore"]),
    .testTarget(name: "LossKitCoreTests", dependencies: ["LossKitCore", "LossKitKernels"]),
    .testTarget(name: "LossKitNNTests", dependencies: ["LossKitNN", "LossKitTesting"]),
    .testTarget(name: "LossKitDataTests", dependencies: ["LossKitData"]),
    .testTarget(
      name: "LossKitArchiveTests",
      dependencies: [
        "LossKitArchive", "LossKit", "LossKitTesting", "LossKitTestModels", "losskit-test-reload",
      ],
      resources: [.copy("Fixtures")]),
    // A model and an optimizer defined outside LossKit's modules, and a program that reloads
    // them in a fresh process, for the user-model tests.
    .target(name: "LossKitTestModels", dependencies: ["LossKit"], path: "Tests/LossKitTestModels"),
    .executableTarget(
      name: "losskit-test-reload", dependencies: ["LossKitTestModels"],
      path: "Tests/LossKitTestReload"),
    .testTarget(
      name: "LossKitRedisTests",
      dependencies: ["LossKitRedis", "LossKit", "LossKitTesting", "losskit"]),
    .testTarget(name: "LossKitCTests", dependencies: ["LossKitC", "LossKit", "LossKitTesting"]),
    .testTarget(
      name: "LossKitCustomTests", dependencies: ["LossKitCustom", "LossKit", "LossKitTesting"],
      exclude: ["Fixtures"]),
    .testTarget(
      name: "LossKitDifferentiableTests",
      dependencies: ["LossKitDifferentiable", "LossKit", "LossKitTesting"]),
    .testTarget(
      name: "LossKitTrainingTests",
      dependencies: ["LossKitTraining", "LossKit", "LossKitTesting"]),
    .testTarget(
      name: "LossKitFocalTests", dependencies: ["LossKitFocal", "LossKitKernels", "LossKitTesting"]),
    .testTarget(name: "LossKitFocalF1Tests", dependencies: ["LossKitFocalF1", "LossKitTesting"]),
    .testTarget(
      name: "LossKitClassWeightedTests", dependencies: ["LossKitClassWeighted", "LossKitTesting"]),
    .testTarget(
      name: "LossKitContrastiveTests",
      dependencies: ["LossKitContrastive", "LossKitKernels", "LossKitTesting"]),
    .testTarget(
      name: "LossKitCRFTests", dependencies: ["LossKitCRF", "LossKitFocalF1", "LossKitTesting"]),
    .testTarget(
      name: "LossKitTests", dependencies: ["LossKit", "LossKitTesting"],
      resources: [.copy("Fixtures")]),
    .target(name: "LossKitTesting", dependencies: ["LossKitCore"], path: "Tests/LossKitTesting"),
    // Saves a model repeatedly, for the archive tests of concurrent and killed saves.
    .executableTarget(
      name: "losskit-test-saver", dependencies: ["LossKit"], path: "Tests/TestSaver"),
  ] + fuzzTargets
)
