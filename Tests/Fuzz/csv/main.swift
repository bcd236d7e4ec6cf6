// The CSV reader and the table pipeline: any text parses or throws; every parsed record has
// one field per column; reading numbers, a text column and label columns throws or works,
// never traps.
import Foundation
import LossKit
import LossKitFuzzing

fuzz { data in
  let text = String(decoding: data, as: UTF8.self)
  guard let table = try? CSVReader.parse(text, path: "fuzz.csv") else { return }
  for record in table.records where record.count != table.header.count {
    fuzzFailure("a record has \(record.count) fields for \(table.header.count) columns")
  }
  guard let last = table.header.last, table.header.count > 1 else { return }
  let data = LoadedData.tables([table])
  let head = HeadSpecification(name: "labels", view: .column(last))
  guard let targets = try? TargetDefinition.resolve([head], from: data) else { return }
  let pipeline = InputPipeline(
    featurizer: LineFeaturizer(buckets: 64), textColumn: table.header[0],
    numericColumns: Array(table.header.dropFirst().dropLast()))
  _ = try? LabeledCorpus(data, pipeline: pipeline, targets: targets)
}
