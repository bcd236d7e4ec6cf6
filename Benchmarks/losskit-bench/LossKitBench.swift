import ArgumentParser
import Dispatch
import Foundation
import LossKit

/// `losskit-bench`: release-mode throughput of LossKit's loss kernels on bench.py's cases.
@main
struct LossKitBench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "losskit-bench",
    abstract: "Time LossKit's fused loss kernels (value + gradient) on the peers' cases.",
    discussion: """
      Run in release mode: swift run -c release losskit-bench. Each case is first checked \
      against its scalar reference (value, and gradient by finite differences on a slice); a \
      mismatch stops the run with status 1. Prints case, shape, median ms, million elements \
      per second, and for bandwidth-bound cases the fraction of the one-thread memory bound.
      """)

  @Flag(help: "Print a JSON array of {id, shape, ms, melem_per_s} instead of the table.")
  var json = false

  @Flag(help: "Use a quarter of the sizes (as bench.py --quick).")
  var quick = false

  @Option(
    help: """
      Run only cases whose id and shape, written as id/rows×columns (softmax_focal/1000000x10, \
      with x or ×), contain this text.
      """)
  var only: String?

  @Option(
    help: """
      Timed repetitions per case (default: 7, SupCon 5). Two runs under valgrind --tool=callgrind \
      that differ only in this count give the instructions of the extra calls.
      """)
  var repetitions: Int?

  @Flag(
    help: """
      Instead of the loss cases, train the seed's BiLSTM for --epochs on the SKOL training \
      split (or --data) and print lines per second, featurization excluded.
      """)
  var training = false

  @Option(help: "With --training: a file, folder or glob to train on (repeatable).")
  var data: [String] = []

  @Option(help: "With --training: epochs to time.")
  var epochs = 1

  @Option(help: "With --training: keep only the first N lines (for profiling).")
  var maxLines: Int?

  func run() throws {
    if training {
      try TrainingBenchmark(data: data, epochs: max(1, epochs), maxLines: maxLines, json: json)
        .run()
      return
    }
    // The table's "of bound" column needs the bandwidth; JSON output does not.
    let bandwidth = json ? 0 : Bandwidth.measureOneThread()
    var results: [[String: Any]] = []
    if !json {
      print(String(format: "memory bandwidth (one thread, triad): %.1f GB/s", bandwidth / 1e9))
      print("case                              shape              median ms    Melem/s   of bound")
    }
    for var benchmark in try BenchmarkCases.all(quick: quick) where selected(benchmark) {
      if let repetitions { benchmark.repetitions = max(1, repetitions) }
      do {
        try ReferenceCheck.verify(benchmark)
      } catch {
        FileHandle.standardError.write(Data("MISMATCH: \(error)\n".utf8))
        throw ExitCode(1)
      }
      let seconds = try Self.median(benchmark)
      let rate = Double(benchmark.elements) / seconds / 1e6
      results.append([
        "id": benchmark.id, "case": benchmark.name, "shape": benchmark.shape, "ms": seconds * 1e3,
        "melem_per_s": rate,
      ])
      if !json {
        let bound =
          benchmark.bytesPerElement.map {
            String(format: "%7.0f %%", 100 * rate * 1e6 * $0 / bandwidth)
          } ?? ""
        let shape = benchmark.shape.map(String.init).joined(separator: "×")
        print(
          benchmark.name.padding(toLength: 34, withPad: " ", startingAt: 0)
            + shape.padding(toLength: 16, withPad: " ", startingAt: 0)
            + String(format: "%11.2f %10.1f  ", seconds * 1e3, rate) + bound)
      }
    }
    if json {
      let data = try JSONSerialization.data(
        withJSONObject: results, options: [.prettyPrinted, .sortedKeys])
      print(String(decoding: data, as: UTF8.self))
    }
  }

  /// Whether `--only` selects `benchmark`.
  func selected(_ benchmark: BenchmarkCase) -> Bool {
    guard let only else { return true }
    let name = benchmark.id + "/" + benchmark.shape.map(String.init).joined(separator: "x")
    return name.contains(only.replacingOccurrences(of: "×", with: "x"))
  }

  /// The median time of value + gradient, with reused gradient buffers, after two warm-ups.
  static func median(_ benchmark: BenchmarkCase) throws -> Double {
    var buffers = GradientBuffers()
    func once() throws {
      buffers.reset()
      _ = try benchmark.loss.evaluate(
        benchmark.outputs, benchmark.targets, scale: 1, gradients: &buffers)
    }
    try once()
    try once()
    var times: [Double] = []
    for _ in 0..<benchmark.repetitions {
      let start = DispatchTime.now().uptimeNanoseconds
      try once()
      times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return times.sorted()[times.count / 2]
  }
}

/// A one-thread memory bandwidth estimate, measured like bench.py's numpy triad.
enum Bandwidth {
  static func measureOneThread() -> Double {
    let n = 50_000_000
    var a = [Float](repeating: 0, count: n)
    let b = [Float](repeating: 1, count: n)
    let c = [Float](repeating: 1, count: n)
    var best = Double.infinity
    for _ in 0..<5 {
      let start = DispatchTime.now().uptimeNanoseconds
      a.withUnsafeMutableBufferPointer { a in
        b.withUnsafeBufferPointer { b in
          c.withUnsafeBufferPointer { c in
            for i in 0..<n { a[i] = c[i] * 3 }
            for i in 0..<n { a[i] += b[i] }
          }
        }
      }
      best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return 5 * 4 * Double(n) / best
  }
}
