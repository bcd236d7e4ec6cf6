// losskit-test-saver STORE NAME WRITER COUNT
//
// Saves a small trained model under NAME in the directory store STORE, COUNT times (0: until
// killed), for the archive tests of concurrent and killed saves. Save number i stamps the
// first element of every weight tensor and the manifest's metrics["save"]["stamp"] with
// WRITER * 100000 + i, so a reader can tell whether the manifest and the weights it loaded
// come from the same save. Prints "saved i" after each save.
import Foundation
import LossKit

let arguments = CommandLine.arguments
guard arguments.count == 5, let writer = Int(arguments[3]), let count = Int(arguments[4]) else {
  FileHandle.standardError.write(Data("usage: losskit-test-saver STORE NAME WRITER COUNT\n".utf8))
  exit(2)
}
let store = DirectoryStore(directory: URL(fileURLWithPath: arguments[1]))
var configuration = LineClassifierConfiguration()
configuration.model = "logistic"
configuration.trainer.epochs = 1
configuration.featurizer = LineFeaturizer(buckets: 1 << 8)
do {
  let classifier = try LineClassifier(configuration, registry: .standard)
  _ = try classifier.fit(
    training: SyntheticPages(pages: 1, linesPerPage: 40, seed: UInt64(writer)).documents(),
    observer: nil)
  let trained = classifier.trained!
  var iteration = 0
  while count == 0 || iteration < count {
    let stamp = Float(writer * 100_000 + iteration)
    for parameter in trained.model.parameters where parameter.value.count > 0 {
      var value = parameter.value
      value.withUnsafeMutableBufferPointer { $0[0] = stamp }
      parameter.value = value
    }
    trained.metrics = ["save": ["stamp": Double(stamp)]]
    try store.save(trained, named: arguments[2])
    FileHandle.standardOutput.write(Data("saved \(iteration)\n".utf8))
    iteration += 1
  }
} catch {
  FileHandle.standardError.write(Data("losskit-test-saver: \(error)\n".utf8))
  exit(1)
}
