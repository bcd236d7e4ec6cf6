import Foundation
import LossKitArchive

/// The value of a model's pointer key: the current version and the files it holds.
///
/// ```
/// losskit-redis-model 1
/// version 3f9c0a5e41d24b7f8e6a1c2d3b4e5f60
/// chunk-bytes 16777216
/// file 2817 manifest.json
/// file 204800128 weights.safetensors
/// ```
///
/// Lines end in `\n`; files are sorted by name. A reader trusts none of it: every field is
/// checked before it sizes anything.
struct ModelPointer: Sendable, Equatable {
  /// One file of the version: its path inside the model and its size.
  struct File: Sendable, Equatable {
    /// The path inside the model (`manifest.json`, `plugins/libbrier.so`).
    var name: String
    /// The size in bytes.
    var byteCount: Int
  }

  /// The first word of every pointer.
  static let magic = "losskit-redis-model"
  /// The format version this build writes and reads.
  static let formatVersion = 1
  /// The largest pointer read; thousands of files fit.
  static let maxBytes = 1 << 20
  /// The most data keys one version may have (16 TiB in 16 MiB chunks).
  static let maxChunks = 1 << 20
  /// The largest chunk a reader accepts.
  static let maxChunkBytes = 1 << 30

  /// The version id: lowercase letters and digits, unique per save.
  var version: String
  /// The size of every chunk but the last of each file.
  var chunkBytes: Int
  /// The files, sorted by name.
  var files: [File]

  /// A new random version id (128 bits, hexadecimal).
  static func newVersion() -> String {
    var generator = SystemRandomNumberGenerator()
    return (0..<2).map { _ in
      let word = String(generator.next() as UInt64, radix: 16)
      return String(repeating: "0", count: 16 - word.count) + word
    }.joined()
  }

  /// The pointer of a new version holding `files`.
  ///
  /// - Throws: ``ArchiveError/invalidName(_:)`` for a file name that is not a plain relative
  ///   path, or ``ArchiveError/writeFailed(path:reason:)`` for a model too large to store.
  init(version: String, chunkBytes: Int, files: ModelFiles, location: String) throws {
    self.version = String(version)
    self.chunkBytes = chunkBytes
    self.files = try files.files.keys.sorted().map { name in
      guard Self.isValidFileName(name) else { throw ArchiveError.invalidName(name) }
      return File(name: name, byteCount: files.files[name]!.count)
    }
    guard totalChunks <= Self.maxChunks else {
      throw ArchiveError.writeFailed(
        path: location,
        reason: "the model needs \(totalChunks) keys of \(chunkBytes) bytes, more than the "
          + "\(Self.maxChunks) a version may have")
    }
  }

  /// Parses a pointer read from `path` (a description of the key, for messages).
  ///
  /// - Throws: ``ArchiveError/corrupt(path:reason:)`` when `data` is not a LossKit pointer,
  ///   or ``ArchiveError/unsupportedFormat(path:found:supported:)`` for a newer format.
  init(parsing data: Data, path: String) throws {
    func corrupt(_ reason: String) -> ArchiveError { .corrupt(path: path, reason: reason) }
    guard data.starts(with: Data((Self.magic + " ").utf8)) else {
      throw corrupt("it is not a LossKit model (\(Self.describe(data)))\(Self.advice)")
    }
    guard let text = String(data: data, encoding: .utf8), text.hasSuffix("\n") else {
      throw corrupt("its pointer is not UTF-8 text ending in a newline")
    }
    let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false)
    let found = String(lines[0].dropFirst(Self.magic.count + 1))
    guard found == String(Self.formatVersion) else {
      throw ArchiveError.unsupportedFormat(
        path: path, found: "\(Self.magic) \(found)",
        supported: "\(Self.magic) \(Self.formatVersion)")
    }
    guard lines.count >= 3, let version = Self.field("version", lines[1]),
      !version.isEmpty, version.count <= 64,
      version.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber) }),
      let chunk = Self.field("chunk-bytes", lines[2]).flatMap({ Int($0) }),
      (1...Self.maxChunkBytes).contains(chunk)
    else { throw corrupt("its pointer lacks a valid 'version' or 'chunk-bytes' line") }
    self.version = String(version)
    chunkBytes = chunk
    files = []
    for (number, line) in lines.dropFirst(3).enumerated() {
      let parts = Self.field("file", line)?.split(separator: " ", maxSplits: 1).map(String.init)
      guard let parts, parts.count == 2, let size = Int(parts[0]), size >= 0,
        Self.isValidFileName(parts[1]), files.last.map({ $0.name < parts[1] }) ?? true
      else {
        throw corrupt("line \(number + 4) of its pointer is not 'file SIZE NAME' (names sorted)")
      }
      files.append(File(name: String(parts[1]), byteCount: size))
      guard totalChunks <= Self.maxChunks else {
        throw corrupt("its pointer lists more than \(Self.maxChunks) chunks")
      }
    }
  }

  /// The pointer as stored.
  var encoded: Data {
    var text =
      "\(Self.magic) \(Self.formatVersion)\nversion \(version)\nchunk-bytes \(chunkBytes)\n"
    for file in files { text += "file \(file.byteCount) \(file.name)\n" }
    return Data(text.utf8)
  }

  /// How many chunk keys a file has (none for an empty file).
  func chunkCount(of file: File) -> Int {
    file.byteCount / chunkBytes + (file.byteCount % chunkBytes == 0 ? 0 : 1)
  }

  /// The number of chunk keys of the version.
  var totalChunks: Int { files.reduce(0) { $0 + chunkCount(of: $1) } }

  /// What to do about a key that is not a model.
  static let advice =
    "; LossKit saves models there itself (`--save NAME --store redis://…`): delete the key "
    + "or use another name or key prefix"

  /// Whether `name` can be a file of a stored model: a plain relative path (no empty, `.` or
  /// `..` component), no control characters, at most 1024 bytes.
  static func isValidFileName(_ name: String) -> Bool {
    let parts = name.split(separator: "/", omittingEmptySubsequences: false)
    return !name.isEmpty && name.utf8.count <= 1024 && !name.hasPrefix("/")
      && parts.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
      && name.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F }
  }

  /// The value of a `NAME value` line.
  private static func field(_ name: String, _ line: Substring) -> Substring? {
    line.hasPrefix(name + " ") ? line.dropFirst(name.count + 1) : nil
  }

  /// A few words on what a value that is not a pointer holds.
  private static func describe(_ data: Data) -> String {
    let start = data.prefix(24)
    let printable = start.allSatisfy { (0x20..<0x7F).contains($0) }
    let shown = printable ? ": '\(String(decoding: start, as: UTF8.self))'" : ""
    return "a string of \(data.count)\(data.count >= maxBytes ? " or more" : "") bytes\(shown)"
      + (printable && data.count > start.count ? "…" : "")
  }
}
