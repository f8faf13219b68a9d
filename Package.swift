// swift-tools-version:6.0
// metatrain: meta-training learned optimizers on CPU.
// Dependencies flow one way (docs/architecture.md §9): C kernels / BLAS → MetaCore → {MetaTasks, MetaOptimizers} →
// {MetaEvaluation, MetaLearned} → {MetaTraining, MetaPrograms} → MetaTrainCommands → metatrain.
// No unsafe compiler flags: hot loops live in CKernels with per-function target attributes and run-time dispatch.
import PackageDescription

let package = Package(
    name: "metatrain",
    products: [
        .executable(name: "metatrain", targets: ["metatrain"]),
        .library(name: "MetaCore", targets: ["MetaCore"]),
        .library(name: "MetaTasks", targets: ["MetaTasks"]),
        .library(name: "MetaOptimizers", targets: ["MetaOptimizers"]),
        .library(name: "MetaLearned", targets: ["MetaLearned"]),
        .library(name: "MetaPrograms", targets: ["MetaPrograms"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        .target(name: "CKernels"),
        .target(name: "MetaCore", dependencies: ["COpenBLAS", "CKernels"]),
        .target(name: "MetaTasks", dependencies: ["MetaCore", "CKernels", "CZlib"]),
        .target(name: "MetaOptimizers", dependencies: ["MetaCore", "CKernels"]),
        .target(name: "MetaEvaluation", dependencies: ["MetaTasks", "MetaOptimizers"]),
        // The shipped checkpoint (lo:default) is compiled into the library, so it loads from any directory,
        // an installed binary or a dependent package (Checkpoints/default.safetensors links to it).
        .target(name: "MetaLearned", dependencies: ["MetaCore", "MetaOptimizers", "CKernels"],
                resources: [.embedInCode("Resources/default.safetensors")]),
        .target(name: "MetaTraining", dependencies: ["MetaLearned", "MetaTasks", "MetaEvaluation"]),
        .target(name: "MetaPrograms", dependencies: ["MetaCore", "MetaOptimizers", "MetaTasks", "MetaEvaluation"]),
        .target(
            name: "MetaTrainCommands",
            dependencies: [
                "MetaTasks", "MetaOptimizers", "MetaEvaluation", "MetaLearned", "MetaTraining", "MetaPrograms",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "metatrain", dependencies: ["MetaTrainCommands"]),
        .target(name: "TestSupport", dependencies: ["MetaCore", "MetaTasks", "MetaOptimizers"], path: "Tests/TestSupport", exclude: ["Fixtures"]),
        .testTarget(name: "MetaCoreTests", dependencies: ["MetaCore", "TestSupport"]),
        .testTarget(name: "MetaTasksTests", dependencies: ["MetaTasks", "TestSupport"]),
        .testTarget(name: "MetaOptimizersTests", dependencies: ["MetaOptimizers", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "MetaEvaluationTests", dependencies: ["MetaEvaluation", "TestSupport"]),
        .testTarget(name: "MetaLearnedTests", dependencies: ["MetaLearned", "TestSupport"]),
        .testTarget(name: "MetaTrainingTests", dependencies: ["MetaTraining", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "MetaProgramsTests", dependencies: ["MetaPrograms", "TestSupport"]),
        .testTarget(name: "CommandTests", dependencies: ["MetaTrainCommands", "TestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
