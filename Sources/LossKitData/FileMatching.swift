import Foundation

/// Expands paths and glob patterns (`data/*.ann`, `journals/**/*.ann`) into sorted files.
public enum FileMatching {
  /// The files each pattern names, sorted, without duplicates. A directory stands for every
  /// file under it with one of `extensions`.
  ///
  /// - Throws: ``DataError/noMatch(pattern:)`` for a pattern that matches nothing.
  public static func expand(_ patterns: [String], extensions: [String] = ["ann", "csv"]) throws
    -> [URL]
  {
    var seen = Set<String>()
    var result: [URL] = []
    for pattern in patterns {
      let matches = try matches(for: pattern, extensions: extensions)
      guard !matches.isEmpty else { throw DataError.noMatch(pattern: pattern) }
      for url in matches where seen.insert(url.path).inserted { result.append(url) }
    }
    return result
  }

  private static func matches(for pattern: String, extensions: [String]) throws -> [URL] {
    let absolute = URL(fileURLWithPath: pattern).standardizedFileURL.path
    var isDirectory: ObjCBool = false
    guard hasWildcard(absolute) else {
      guard FileManager.default.fileExists(atPath: absolute, isDirectory: &isDirectory) else {
        return []
      }
      if !isDirectory.boolValue { return [URL(fileURLWithPath: absolute)] }
      return allFiles(under: absolute).filter { extensions.contains($0.pathExtension) }
    }
    // Walk from the longest directory prefix without wildcards; match whole absolute paths.
    let fixed = absolute.split(separator: "/").prefix { !hasWildcard(String($0)) }
    let root = "/" + fixed.joined(separator: "/")
    let regex = try NSRegularExpression(pattern: "^" + regularExpression(forGlob: absolute) + "$")
    func matches(_ path: String) -> Bool {
      regex.firstMatch(in: path, range: NSRange(path.startIndex..., in: path)) != nil
    }
    // A file matches itself, or through a matching directory above it (`Vol05*` names the
    // volumes' folders, meaning their files).
    return allFiles(under: root).filter { url in
      if matches(url.path) { return true }
      guard extensions.contains(url.pathExtension) else { return false }
      var directory = url.deletingLastPathComponent()
      while directory.path.count > root.count {
        if matches(directory.path) { return true }
        directory = directory.deletingLastPathComponent()
      }
      return false
    }
  }

  private static func hasWildcard(_ text: String) -> Bool {
    text.contains { "*?[".contains($0) }
  }

  private static func allFiles(under directory: String) -> [URL] {
    let root = URL(fileURLWithPath: directory)
    guard let enumerator = FileManager.default.enumerator(
      at: root, includingPropertiesForKeys: [.isRegularFileKey])
    else { return [] }
    var files: [URL] = []
    for case let url as URL in enumerator
    where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
      files.append(url.standardizedFileURL)
    }
    return files.sorted { $0.path < $1.path }
  }

  /// `*` matches within a path component, `**/` any number of components, `?` one character.
  private static func regularExpression(forGlob glob: String) -> String {
    var regex = ""
    let characters = Array(glob)
    var index = 0
    while index < characters.count {
      let c = characters[index]
      if c == "*", index + 1 < characters.count, characters[index + 1] == "*" {
        let slash = index + 2 < characters.count && characters[index + 2] == "/"
        regex += slash ? "(?:.*/)?" : ".*"
        index += slash ? 3 : 2
        continue
      }
      switch c {
      case "*": regex += "[^/]*"
      case "?": regex += "[^/]"
      case "\\", ".", "+", "(", ")", "|", "^", "$", "{", "}": regex += "\\" + String(c)
      default: regex += String(c)
      }
      index += 1
    }
    return regex
  }
}
