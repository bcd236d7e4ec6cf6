import Foundation
import LossKitRedis
import Testing

/// Bytes handed to the reader a few at a time, as a network may split them.
struct PiecewiseBytes: ByteStream {
  var bytes: [UInt8]
  var pieceSize: Int
  var offset = 0

  init(_ bytes: [UInt8], pieceSize: Int = 1) {
    self.bytes = bytes
    self.pieceSize = pieceSize
  }

  init(_ text: String, pieceSize: Int = 1) { self.init(Array(text.utf8), pieceSize: pieceSize) }

  mutating func receive(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
    let count = min(pieceSize, buffer.count, bytes.count - offset)
    buffer.copyBytes(from: bytes[offset..<offset + count])
    offset += count
    return count
  }
}

/// Reads one reply from `text` with the given limits.
func decode(
  _ text: String, pieceSize: Int = 1, options: RedisConnectionOptions = .init()
) throws -> RESPValue {
  var reader = RESPReader(stream: PiecewiseBytes(text, pieceSize: pieceSize), options: options)
  return try reader.next()
}

/// The reason of the violation `text` causes.
func violation(_ text: String, options: RedisConnectionOptions = .init()) -> String? {
  do {
    _ = try decode(text, pieceSize: 4096, options: options)
    return nil
  } catch let violation as RESPViolation {
    return violation.reason
  } catch {
    return "\(error)"
  }
}

@Suite struct RESPReaderTests {
  @Test(arguments: [1, 3, 4096])
  func decodesEveryReplyTypeHoweverTheBytesAreSplit(pieceSize: Int) throws {
    let text = "*7\r\n+OK\r\n-ERR wrong\r\n:-42\r\n$5\r\nhe\r\no\r\n$-1\r\n*-1\r\n*1\r\n$0\r\n\r\n"
    let expected = RESPValue.array([
      .simple("OK"), .error("ERR wrong"), .integer(-42), .bulk(Data("he\r\no".utf8)), .bulk(nil),
      .array(nil), .array([.bulk(Data())]),
    ])
    #expect(try decode(text, pieceSize: pieceSize) == expected)
  }

  @Test func readsConsecutiveRepliesFromOneStream() throws {
    var reader = RESPReader(
      stream: PiecewiseBytes("+OK\r\n:1\r\n$1\r\nx\r\n", pieceSize: 2),
      options: .init())
    #expect(try reader.next() == .simple("OK"))
    #expect(try reader.next() == .integer(1))
    #expect(try reader.next() == .bulk(Data("x".utf8)))
  }

  @Test func aBulkStringOverTheLimitIsRefusedBeforeItsBytesArrive() {
    let options = RedisConnectionOptions(maxBulkBytes: 1024)
    #expect(violation("$1025\r\n", options: options)?.contains("over the client's limit") == true)
    #expect(violation("$9223372036854775807\r\n")?.contains("over the client's limit") == true)
    #expect(violation("$1024\r\n", options: options) == "\(TransportFailure.closed)")
  }

  @Test func anArrayOverTheElementBudgetIsRefusedBeforeItIsAllocated() {
    let options = RedisConnectionOptions(maxReplyElements: 10)
    #expect(violation("*11\r\n", options: options)?.contains("more than 10 array elements") == true)
    #expect(violation("*2\r\n*6\r\n*5\r\n", options: options)?.contains("more than 10") == true)
    #expect(violation("*4611686018427387904\r\n")?.contains("array elements") == true)
  }

  @Test func deeplyNestedArraysAreRefused() {
    let reason = violation(String(repeating: "*1\r\n", count: 9) + ":1\r\n")
    #expect(reason?.contains("nested deeper than 8") == true)
  }

  @Test(arguments: [
    ("$-2\r\n", "a bulk string of length -2"),
    ("*-5\r\n", "an array of length -5"),
    ("$99999999999999999999\r\n", "where an integer was expected"),
    (":9223372036854775808\r\n", "an integer that overflows"),
    (":12a\r\n", "where an integer was expected"),
    ("$3\r\nabcd\r\n", "longer than its announced 3 bytes"),
    ("+OK\n", "ends in LF without CR"),
    ("\r\n", "an empty line"),
    ("HTTP/1.1 400 Bad Request\r\n", "the byte 'H' where a reply type"),
    ("%1\r\n", "the byte '%' where a reply type"),
  ])
  func malformedRepliesAreViolationsThatSayWhatIsWrong(text: String, reason: String) {
    #expect(violation(text)?.contains(reason) == true, "\(text.debugDescription)")
  }

  @Test func aLineWithoutEndIsRefusedAtTheLineLimit() {
    let reason = violation("+" + String(repeating: "a", count: 70_000))
    #expect(reason?.contains("a line longer than 65536 bytes") == true)
  }

  @Test func aStreamThatEndsInsideAReplyIsAClosedConnection() {
    for text in ["$10\r\nhalf", "*2\r\n:1\r\n", "+O"] {
      #expect(throws: TransportFailure.closed) { try decode(text) }
    }
  }
}

@Suite struct RESPEncoderTests {
  @Test func encodesCommandsAsArraysOfBulkStrings() {
    var bytes: [UInt8] = []
    RESPEncoder.encode([RedisCommand("SET", "k", Data("v".utf8), "PX", 250), RedisCommand("PING")])
    {
      bytes += $0
    }
    #expect(
      String(decoding: bytes, as: UTF8.self)
        == "*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n$2\r\nPX\r\n$3\r\n250\r\n*1\r\n$4\r\nPING\r\n")
  }

  @Test func aLargeArgumentIsPassedOnWithoutCopyingAndDecodesBack() throws {
    let large = Data((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
    var pieces: [[UInt8]] = []
    RESPEncoder.encode([RedisCommand("SET", "key", large)]) { pieces.append(Array($0)) }
    #expect(pieces.contains { $0.count == large.count })
    var reader = RESPReader(
      stream: PiecewiseBytes(Array(pieces.joined()), pieceSize: 5000), options: .init())
    let expected = RESPValue.array([.bulk(Data("SET".utf8)), .bulk(Data("key".utf8)), .bulk(large)])
    #expect(try reader.next() == expected)
  }
}
