import Foundation
import LossKit

/// `int losskit_model_predict(losskit_model *model, const char *const *lines,
/// const size_t *lengths, size_t line_count, int32_t *labels, float *probabilities,
/// char **error)`: see `losskit.h` for the layout of the results.
@_cdecl("losskit_model_predict")
public func losskit_model_predict(
  _ model: OpaquePointer?, _ lines: UnsafePointer<UnsafePointer<CChar>?>?,
  _ lengths: UnsafePointer<Int>?, _ lineCount: Int, _ labels: UnsafeMutablePointer<Int32>?,
  _ probabilities: UnsafeMutablePointer<Float>?,
  _ error: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
  do {
    guard let model else { throw CallError("model is NULL; open one with losskit_model_open") }
    let handle = handle(model)
    guard lineCount >= 0 else {
      throw CallError("line_count \(UInt(bitPattern: lineCount)) is not a number of lines")
    }
    guard lineCount > 0 else { return 0 }
    guard let lines, let labels, let probabilities else {
      throw CallError(
        "lines, labels and probabilities must not be NULL for \(lineCount) lines")
    }
    let (values, overflow) = lineCount.multipliedReportingOverflow(by: handle.probabilityWidth)
    guard !overflow, lineCount.multipliedReportingOverflow(by: handle.heads.count).overflow == false
    else { throw CallError("\(lineCount) lines is more than the results can hold") }
    let text = try decode(lines, lengths: lengths, count: lineCount)
    let corpus = try LabeledCorpus(lines: text, document: "the document", pipeline: handle.pipeline)
    let predictions = try handle.withModel { try $0.predictions(corpus) }
    guard predictions.count == handle.heads.count,
      predictions.reduce(0, { $0 + $1.probabilities.count }) == values,
      predictions.allSatisfy({ $0.classIndices.count == lineCount })
    else { throw CallError("the model's predictions do not match its heads") }
    var offset = 0
    for (index, head) in predictions.enumerated() {
      for line in 0..<lineCount { labels[index * lineCount + line] = head.classIndices[line] }
      head.probabilities.withUnsafeBufferPointer { scores in
        (probabilities + offset).update(from: scores.baseAddress!, count: scores.count)
        offset += scores.count
      }
    }
    return 0
  } catch let failure {
    CErrors.report("losskit_model_predict: " + CErrors.message(failure), into: error)
    return -1
  }
}

/// The lines as strings, each checked to be UTF-8.
private func decode(
  _ lines: UnsafePointer<UnsafePointer<CChar>?>, lengths: UnsafePointer<Int>?, count: Int
) throws -> [String] {
  try (0..<count).map { index in
    guard let line = lines[index] else { throw CallError("line \(index + 1) is NULL") }
    let length = lengths.map { $0[index] } ?? strlen(line)
    guard length >= 0 else {
      throw CallError("the length of line \(index + 1) is \(UInt(bitPattern: length)) bytes")
    }
    let bytes = UnsafeRawBufferPointer(start: line, count: length).bindMemory(to: UInt8.self)
    guard let text = String(validating: bytes, as: UTF8.self) else {
      let position = invalidPosition(bytes)
      throw CallError(
        "line \(index + 1) is not valid UTF-8 (byte \(position) of \(length)); decode the "
          + "text to UTF-8 first")
    }
    return text
  }
}

/// The offset of the first byte that is not part of valid UTF-8.
private func invalidPosition(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
  var iterator = bytes.makeIterator()
  var decoder = UTF8()
  var position = 0
  while true {
    switch decoder.decode(&iterator) {
    case .scalarValue(let scalar): position += UTF8.width(scalar)
    case .emptyInput, .error: return position
    }
  }
}

/// A misuse of the API, reported as its message.
struct CallError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
