import Foundation

extension Safetensors.Header {
  /// The header as its JSON reads, before validation. A field of the wrong JSON type is `nil`
  /// rather than an error, so that validation can name it; a valid header decodes without a
  /// single thrown error (which keeps decoding fast for headers of many tensors).
  struct Raw: Decodable {
    /// One tensor's fields.
    struct Entry: Decodable {
      var dtype: String?
      var shape: [Double]?
      var offsets: [Double]?

      private enum CodingKeys: String, CodingKey {
        case dtype, shape
        case offsets = "data_offsets"
      }

      init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        dtype = try? container.decode(String.self, forKey: .dtype)
        shape = try? container.decode([Double].self, forKey: .shape)
        offsets = try? container.decode([Double].self, forKey: .offsets)
      }
    }

    /// The tensors by name; `nil` where the entry is not a JSON object.
    var tensors: [(name: String, entry: Entry?)] = []
    /// Whether `__metadata__` is present.
    var hasMetadata = false
    /// The `__metadata__` strings; `nil` when absent or not an object of strings.
    var metadata: [String: String]?

    private struct Key: CodingKey {
      var stringValue: String
      var intValue: Int? { nil }
      init(stringValue: String) { self.stringValue = stringValue }
      init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
      let container = try decoder.container(keyedBy: Key.self)
      for key in container.allKeys {
        if key.stringValue == "__metadata__" {
          hasMetadata = true
          metadata = try? container.decode([String: String].self, forKey: key)
        } else {
          tensors.append((key.stringValue, try? container.decode(Entry.self, forKey: key)))
        }
      }
    }
  }
}
