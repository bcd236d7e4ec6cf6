import Foundation
import LossKit
import LossKitRedis

/// A C string that lives as long as the process and is never written.
private struct StaticCString: @unchecked Sendable {
  let pointer: UnsafePointer<CChar>
}

/// The API version `losskit_version` returns.
private let versionString = StaticCString(pointer: UnsafePointer(strdup("1")!))

/// `const char *losskit_version(void)`.
@_cdecl("losskit_version")
public func losskit_version() -> UnsafePointer<CChar> { versionString.pointer }

/// `losskit_model *losskit_model_open(const char *source, const char *redis_prefix,
/// char **error)`: a model by folder path, single file, `redis://…/NAME` or store name.
@_cdecl("losskit_model_open")
public func losskit_model_open(
  _ source: UnsafePointer<CChar>?, _ redisPrefix: UnsafePointer<CChar>?,
  _ error: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> OpaquePointer? {
  guard let source else {
    CErrors.report("losskit_model_open: source is NULL; pass a path or a redis:// URL", into: error)
    return nil
  }
  guard let text = String(validatingCString: source),
    let prefix = redisPrefix.map({ String(validatingCString: $0) }) ?? RedisModelStore.defaultPrefix
  else {
    CErrors.report("losskit_model_open: the source or prefix is not valid UTF-8", into: error)
    return nil
  }
  do {
    let location = try ModelSource(
      text, store: { try ModelStores.store(at: nil, redisPrefix: prefix) }, redisPrefix: prefix)
    return retained(try location.load(registry: .standard, for: .inference))
  } catch let failure {
    CErrors.report(CErrors.message(failure), into: error)
    return nil
  }
}

/// `losskit_model *losskit_model_open_bytes(const void *bytes, size_t length, char **error)`:
/// a single-file model from memory.
@_cdecl("losskit_model_open_bytes")
public func losskit_model_open_bytes(
  _ bytes: UnsafeRawPointer?, _ length: Int,
  _ error: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> OpaquePointer? {
  guard let bytes, length >= 0 else {
    CErrors.report(
      "losskit_model_open_bytes: bytes is NULL; pass a single-file model's bytes "
        + "(`losskit export SOURCE FILE --single-file`)", into: error)
    return nil
  }
  do {
    let source = "the buffer of \(length) bytes"
    let files = try SingleFileModel.split(Data(bytes: bytes, count: length), path: source)
    return retained(
      try SavedModel.decode(files, source: source, registry: .standard, for: .inference))
  } catch let failure {
    CErrors.report(CErrors.message(failure), into: error)
    return nil
  }
}

/// `void losskit_model_free(losskit_model *model)`.
@_cdecl("losskit_model_free")
public func losskit_model_free(_ model: OpaquePointer?) {
  guard let model else { return }
  Unmanaged<ModelHandle>.fromOpaque(UnsafeRawPointer(model)).release()
}

/// `void losskit_string_free(char *string)`.
@_cdecl("losskit_string_free")
public func losskit_string_free(_ string: UnsafeMutablePointer<CChar>?) { free(string) }

/// A model as an owned opaque pointer.
private func retained(_ trained: TrainedModel) -> OpaquePointer {
  OpaquePointer(Unmanaged.passRetained(ModelHandle(trained)).toOpaque())
}

/// The handle behind a model pointer, not retained (the caller's pointer keeps it alive).
func handle(_ model: OpaquePointer) -> ModelHandle {
  Unmanaged<ModelHandle>.fromOpaque(UnsafeRawPointer(model)).takeUnretainedValue()
}
