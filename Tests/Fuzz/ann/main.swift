// The .ann reader: any text parses or throws, with every line labelled and numbered inside
// the file.
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
}
