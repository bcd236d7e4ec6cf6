import Foundation

/// `size_t losskit_model_head_count(const losskit_model *model)`.
@_cdecl("losskit_model_head_count")
public func losskit_model_head_count(_ model: OpaquePointer?) -> Int {
  model.map { handle($0).heads.count } ?? 0
}

/// `const char *losskit_model_head_name(const losskit_model *model, size_t head)`.
@_cdecl("losskit_model_head_name")
public func losskit_model_head_name(_ model: OpaquePointer?, _ head: Int) -> UnsafePointer<CChar>? {
  guard let model else { return nil }
  let heads = handle(model).heads
  return heads.indices.contains(head) ? UnsafePointer(heads[head].name) : nil
}

/// `size_t losskit_model_class_count(const losskit_model *model, size_t head)`.
@_cdecl("losskit_model_class_count")
public func losskit_model_class_count(_ model: OpaquePointer?, _ head: Int) -> Int {
  guard let model else { return 0 }
  let heads = handle(model).heads
  return heads.indices.contains(head) ? heads[head].classes.count : 0
}

/// `const char *losskit_model_class_name(const losskit_model *model, size_t head,
/// size_t class_index)`.
@_cdecl("losskit_model_class_name")
public func losskit_model_class_name(
  _ model: OpaquePointer?, _ head: Int, _ classIndex: Int
) -> UnsafePointer<CChar>? {
  guard let model else { return nil }
  let heads = handle(model).heads
  guard heads.indices.contains(head), heads[head].classes.indices.contains(classIndex) else {
    return nil
  }
  return UnsafePointer(heads[head].classes[classIndex])
}

/// `size_t losskit_model_probability_width(const losskit_model *model)`.
@_cdecl("losskit_model_probability_width")
public func losskit_model_probability_width(_ model: OpaquePointer?) -> Int {
  model.map { handle($0).probabilityWidth } ?? 0
}
