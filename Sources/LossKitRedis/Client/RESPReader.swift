import Foundation

/// Why bytes from the server are not a reply this client accepts.
package struct RESPViolation: Error, Equatable {
  /// What is wrong, for ``RedisError/protocolViolation(address:reason:)``.
  package var reason: String
}

/// Decodes RESP2 replies from a byte stream, checking every announced length against the
/// limits before it sizes anything.
///
/// Errors: ``RESPViolation`` for bytes that are not a valid reply or exceed a limit, and the
/// stream's ``TransportFailure`` (``TransportFailure/closed`` when the stream ends inside a
/// reply).
package struct RESPReader<Stream: ByteStream> {
  /// The longest status, error or length line accepted.
  package static var maxLineBytes: Int { 64 << 10 }
  /// The deepest nesting of arrays accepted (Redis itself nests two or three levels).
  package static var maxDepth: Int { 8 }

  private var stream: Stream
  private let maxBulkBytes: Int
  private let maxElements: Int
  private var buffer: [UInt8]
  private var start = 0
  private var end = 0

  /// A reader over `stream` with the limits of `options`.
  package init(stream: Stream, options: RedisConnectionOptions) {
    self.stream = stream
    maxBulkBytes = options.maxBulkBytes
    maxElements = options.maxReplyElements
    buffer = [UInt8](repeating: 0, count: Self.maxLineBytes + 2)
  }

  /// Reads one complete reply.
  package mutating func next() throws -> RESPValue {
    var budget = maxElements
    return try value(depth: 0, budget: &budget)
  }

  private mutating func value(depth: Int, budget: inout Int) throws -> RESPValue {
    let line = try readLine()
    guard let type = line.first else {
      throw RESPViolation(reason: "an empty line where a reply was expected")
    }
    let body = line.dropFirst()
    switch type {
    case UInt8(ascii: "+"): return .simple(String(decoding: body, as: UTF8.self))
    case UInt8(ascii: "-"): return .error(String(decoding: body, as: UTF8.self))
    case UInt8(ascii: ":"): return .integer(try Self.integer(body))
    case UInt8(ascii: "$"):
      let length = try Self.integer(body)
      if length == -1 { return .bulk(nil) }
      guard length >= 0 else { throw RESPViolation(reason: "a bulk string of length \(length)") }
      guard length <= maxBulkBytes else {
        throw RESPViolation(
          reason: "a bulk string of \(length) bytes, over the client's limit of \(maxBulkBytes)")
      }
      let data = try readBulk(length)
      return .bulk(data)
    case UInt8(ascii: "*"):
      let count = try Self.integer(body)
      if count == -1 { return .array(nil) }
      guard count >= 0 else { throw RESPViolation(reason: "an array of length \(count)") }
      guard depth < Self.maxDepth else {
        throw RESPViolation(reason: "arrays nested deeper than \(Self.maxDepth) levels")
      }
      guard count <= budget else {
        throw RESPViolation(
          reason: "a reply of more than \(maxElements) array elements, over the client's limit")
      }
      budget -= count
      var elements: [RESPValue] = []
      elements.reserveCapacity(count)
      for _ in 0..<count { elements.append(try value(depth: depth + 1, budget: &budget)) }
      return .array(elements)
    default:
      let hex = "0x" + String(type, radix: 16)
      let shown = (0x20..<0x7F).contains(type) ? "'\(Character(Unicode.Scalar(type)))'" : hex
      throw RESPViolation(
        reason: "the byte \(shown) where a reply type (+ - : $ *) was expected")
    }
  }

  /// The next line without its CRLF.
  private mutating func readLine() throws -> ArraySlice<UInt8> {
    var scanned = 0
    while true {
      if let newline = buffer[(start + scanned)..<end].firstIndex(of: UInt8(ascii: "\n")) {
        guard newline > start, buffer[newline - 1] == UInt8(ascii: "\r") else {
          throw RESPViolation(reason: "a line that ends in LF without CR")
        }
        let line = buffer[start..<newline - 1]
        start = newline + 1
        return line
      }
      scanned = end - start
      guard scanned < buffer.count else {
        throw RESPViolation(reason: "a line longer than \(Self.maxLineBytes) bytes")
      }
      try fill()
    }
  }

  /// Reads `count` bytes of a bulk string and its CRLF, straight into the result.
  private mutating func readBulk(_ count: Int) throws -> Data {
    var data = Data(count: count)
    try data.withUnsafeMutableBytes { (target: UnsafeMutableRawBufferPointer) in
      let buffered = min(count, end - start)
      buffer.withUnsafeBytes { source in
        target.baseAddress?.copyMemory(from: source.baseAddress! + start, byteCount: buffered)
      }
      start += buffered
      var filled = buffered
      while filled < count {
        let received = try stream.receive(
          into: UnsafeMutableRawBufferPointer(rebasing: target[filled...]))
        guard received > 0 else { throw TransportFailure.closed }
        filled += received
      }
    }
    while end - start < 2 { try fill() }
    guard buffer[start] == UInt8(ascii: "\r"), buffer[start + 1] == UInt8(ascii: "\n") else {
      throw RESPViolation(reason: "a bulk string longer than its announced \(count) bytes")
    }
    start += 2
    return data
  }

  /// Reads more bytes into the buffer, first moving what is unread to its front.
  private mutating func fill() throws {
    if start > 0 {
      buffer.withUnsafeMutableBytes { bytes in
        bytes.baseAddress!.copyMemory(from: bytes.baseAddress! + start, byteCount: end - start)
      }
      end -= start
      start = 0
    }
    let received = try buffer.withUnsafeMutableBytes { bytes in
      try stream.receive(into: UnsafeMutableRawBufferPointer(rebasing: bytes[end...]))
    }
    guard received > 0 else { throw TransportFailure.closed }
    end += received
  }

  /// A decimal integer of at most 19 digits with an optional minus sign.
  private static func integer(_ digits: ArraySlice<UInt8>) throws -> Int {
    let negative = digits.first == UInt8(ascii: "-")
    let magnitude = negative ? digits.dropFirst() : digits
    guard !magnitude.isEmpty, magnitude.count <= 19,
      magnitude.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
    else {
      throw RESPViolation(
        reason:
          "'\(String(decoding: digits.prefix(40), as: UTF8.self))' where an integer was expected")
    }
    var value = 0
    for digit in magnitude {
      let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
      let (sum, overflow2) = times.addingReportingOverflow(Int(digit - UInt8(ascii: "0")))
      guard !overflow1, !overflow2 else { throw RESPViolation(reason: "an integer that overflows") }
      value = sum
    }
    return negative ? -value : value
  }
}
