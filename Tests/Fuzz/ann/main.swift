// The .ann reader and the featurizer: any text parses or throws, with every line labelled
// and numbered inside the file, and every line featurizes to finite values in range.
import Foundation
import LossKit
import LossKitFuzzing

fuzz { data in
  let text = String(decoding: data, as: UTF8.self)
  guard let document = try? AnnReader.parse(text, path: "fuzz.ann") else { return }
  let lineCount = text.utf8.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
  for line in document.lines where line.lineNumber < 1 || line.lineNumber > lineCount {
    fuzzFailure("line number \(line.lineNumber) outside 1...\(lineCount)")
  }
  let featurizer = LineFeaturizer(buckets: 1 << 12)
  for line in document.lines.prefix(64) {
    let (indices, values) = featurizer.sparseFeatures(line.text)
    if indices.contains(where: { $0 < 0 || $0 >= 1 << 12 }) || !values.allSatisfy(\.isFinite) {
      fuzzFailure("sparse features out of range for \(line.text.debugDescription)")
    }
    let dense = featurizer.denseFeatures(line.text)
    if dense.count != featurizer.denseWidth || !dense.allSatisfy({ $0.isFinite }) {
      fuzzFailure("dense features wrong for \(line.text.debugDescription)")
    }
  }
}
