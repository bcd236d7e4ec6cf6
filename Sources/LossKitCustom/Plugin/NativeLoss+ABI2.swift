import CLossKitPlugin
import Foundation
import LossKitCore

extension NativeLoss {
  /// Calls an ABI 2 plugin: every output it reads, targets with their sample shape, sample
  /// weights and mask, each checked first; gradients go to zeroed scratch buffers.
  func evaluateV2(
    _ function: NativeLossImplementation.EvaluateV2, _ implementation: NativeLossImplementation,
    _ outputs: [String: Tensor], _ targets: [String: Targets]
  ) throws -> (Double, [(String, PendingGradient)]) {
    let names = implementation.outputs
    let tensors = try names.map { try finiteOutput($0, in: outputs) }
    let first = tensors[0]
    let sampleShape = Array(first.shape.dropLast())
    let samples = first.flatRowCount
    let given = try self.targets(implementation.targets, in: targets)
    switch given.values {
    case .classIndices(let shape, let labels):
      guard shape == sampleShape || (labels.count == samples && shape == [samples]) else {
        throw LossKitError.shapeMismatch(
          "\(registryName): class-index targets need the shape of output '\(names[0])' "
            + "without its last dimension", expected: sampleShape, actual: shape)
      }
      let bound = names[0].hasPrefix("logits") ? first.lastDimension : Int(Int32.max)
      if let bad = labels.enumerated().first(where: {
        $0.element != given.ignoreIndex && ($0.element < 0 || Int($0.element) >= bound)
      }) {
        throw LossKitError.labelOutOfRange(
          loss: registryName, label: Int(bad.element), sample: bad.offset, classCount: bound,
          ignoreIndex: Int(given.ignoreIndex))
      }
    case .dense(let dense):
      guard dense.shape == first.shape else {
        throw LossKitError.shapeMismatch(
          "\(registryName): dense targets need the shape of output '\(names[0])'",
          expected: first.shape, actual: dense.shape)
      }
    }
    try given.validatePerSampleArrays(loss: registryName)

    var scratch = tensors.map { [Float](repeating: 0, count: $0.count) }
    let shapeLists = tensors.map { $0.shape.map(Int64.init) } + [sampleShape.map(Int64.init)]
    let cNames = names.map { strdup($0) }
    defer { cNames.forEach { free($0) } }
    var value = 0.0
    var message = [CChar](repeating: 0, count: 512)
    let status = withBaseAddresses(of: tensors.map(\.scalars)) { values in
      withMutableBaseAddresses(of: &scratch) { gradients in
        withBaseAddresses(of: shapeLists) { shapes in
          let described = (0..<tensors.count).map { index in
            losskit_output(
              name: UnsafePointer(cNames[index]), values: values[index], shape: shapes[index],
              rank: Int32(tensors[index].rank), count: Int64(tensors[index].count),
              gradient: gradients[index])
          }
          return described.withUnsafeBufferPointer { list in
            optionalBuffer(given.classIndices) { labels in
              optionalBuffer(given.denseValues?.scalars) { dense in
                optionalBuffer(given.sampleWeights) { weights in
                  optionalBuffer(given.mask) { mask in
                    var batch = losskit_batch_v2(
                      outputs: list.baseAddress, output_count: Int32(list.count),
                      samples: Int64(samples), sample_shape: shapes[tensors.count],
                      sample_rank: Int32(sampleShape.count), labels: labels?.baseAddress,
                      targets: dense?.baseAddress, ignore_index: given.ignoreIndex,
                      sample_weights: weights?.baseAddress, mask: mask?.baseAddress)
                    return parameters.compactText.withCString { text in
                      function(
                        implementation.context, text, &batch, &value, &message, message.count)
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    guard status == 0 else {
      throw NativePluginError.evaluationFailed(
        plugin: implementation.plugin, loss: implementation.name, reason: messageText(message))
    }
    let pending = zip(tensors, scratch).map { PendingGradient(shape: $0.shape, gradient: $1) }
    return (value, Array(zip(names, pending)))
  }
}

/// Calls `body` with the base address of every array at once (`nil` for an empty one).
func withBaseAddresses<Element, R>(
  of arrays: [[Element]], _ body: ([UnsafePointer<Element>?]) throws -> R
) rethrows -> R {
  func nest(_ index: Int, _ addresses: [UnsafePointer<Element>?]) throws -> R {
    guard index < arrays.count else { return try body(addresses) }
    return try arrays[index].withUnsafeBufferPointer {
      try nest(index + 1, addresses + [$0.baseAddress])
    }
  }
  return try nest(0, [])
}

/// Calls `body` with the mutable base address of every array at once.
func withMutableBaseAddresses<Element, R>(
  of arrays: inout [[Element]], _ body: ([UnsafeMutablePointer<Element>?]) throws -> R
) rethrows -> R {
  func nest(
    _ index: Int, _ arrays: inout [[Element]], _ addresses: [UnsafeMutablePointer<Element>?]
  ) throws -> R {
    guard index < arrays.count else { return try body(addresses) }
    var array: [Element] = []
    swap(&array, &arrays[index])  // unshared, so writing through the pointer copies nothing
    defer { swap(&array, &arrays[index]) }
    return try array.withUnsafeMutableBufferPointer {
      try nest(index + 1, &arrays, addresses + [$0.baseAddress])
    }
  }
  return try nest(0, &arrays, [])
}
