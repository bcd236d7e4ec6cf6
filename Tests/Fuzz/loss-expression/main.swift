// The loss-expression parser (`0.7*focal+0.3*weighted`, `focal(gamma=2)`): any text builds a
// loss or throws, and a loss that is built evaluates a small batch or throws.
import Foundation
import LossKit
import LossKitFuzzing

let logits = try! Tensor(shape: [4, 3], scalars: [2, -1, 0.5, 0, 0, 0, -3, 4, 1, 0.1, 0.2, 0.3])
let embeddings = try! Tensor(shape: [4, 2], scalars: [1, 0, 0.6, 0.8, -1, 0, 0, -1])
let outputs = ["logits": logits, "embeddings": embeddings]
let targets = ["labels": Targets(classIndices: [0, 2, 1, 2])]

fuzz { data in
  let configuration = LossConfiguration(expression: String(decoding: data, as: UTF8.self))
  guard let loss = try? configuration.makeLoss(registry: .standard) else { return }
  guard let result = try? loss(outputs, targets) else { return }
  if !result.value.isFinite { fuzzFailure("loss '\(configuration.expression)' is \(result.value)") }
}
