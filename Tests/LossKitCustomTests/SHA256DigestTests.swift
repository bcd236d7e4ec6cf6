import Foundation
import LossKit
import Testing

@Suite struct SHA256DigestTests {
  @Test(
    "the FIPS 180-4 example vectors",
    arguments: [
      ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
      ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
      (
        "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
      ),
      (
        "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
          + "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
        "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
      ),
    ])
  func vectors(message: String, hex: String) {
    #expect(SHA256Digest(of: Array(message.utf8)).hex == hex)
  }

  @Test("a million a's, fed through a file in 64 KiB chunks")
  func millionAs() throws {
    let file = try PluginBuilder.folder("sha").appendingPathComponent("a.txt")
    try Data(repeating: UInt8(ascii: "a"), count: 1_000_000).write(to: file)
    #expect(
      try SHA256Digest(contentsOfFile: file.path).hex
        == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }

  @Test("every length around the 55/56/64-byte padding boundaries agrees with sha256sum")
  func paddingBoundaries() throws {
    let folder = try PluginBuilder.folder("sha")
    for length in [55, 56, 57, 63, 64, 65, 119, 120, 128] {
      let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
      let file = folder.appendingPathComponent("\(length).bin")
      try Data(bytes).write(to: file)
      #expect(SHA256Digest(of: bytes).hex == (try sha256sum(file.path)), "length \(length)")
    }
  }

  @Test("a built library hashes as sha256sum says")
  func library() throws {
    let path = try PluginBuilder.brier()
    #expect(try SHA256Digest(contentsOfFile: path).hex == (try sha256sum(path)))
  }

  func sha256sum(_ path: String) throws -> String {
    let process = Process()
    let pipe = Pipe()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["sha256sum", path]
    process.standardOutput = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(String(decoding: output, as: UTF8.self).prefix(64))
  }
}
