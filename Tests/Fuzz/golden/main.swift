// The golden-file reader and the conformance runner: any bytes are read or rejected, and
// every case that is read runs to a result (the losses it builds validate their own
// parameters and inputs).
import Foundation
import LossKit
import LossKitFuzzing

fuzz { data in
  guard let file = try? GoldenFile(data: data, path: "fuzz.json") else { return }
  for golden in file.cases { _ = ConformanceRunner.run(golden) }
}
