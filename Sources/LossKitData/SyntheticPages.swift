import LossKitCore

/// Deterministic, imbalanced "journal pages" for demos and tests: no data files needed.
///
/// Each page is mostly prose (`Misc`); now and then a species block starts: one
/// `Nomenclature` line (a Latin binomial with author and year) followed by several
/// `Description` lines (measurements, colours, shapes). Classes come out near
/// 1 : 10 : 100, as in the SKOL pages. The task is not trivial: some prose carries numbers,
/// some descriptions carry none, names vary in form, and a few labels are flipped at random,
/// so context (a description follows a name) matters and a sequence model has something to
/// learn.
public struct SyntheticPages: Sendable, Equatable {
  /// The number of pages.
  public var pages: Int
  /// Lines per page (on average).
  public var linesPerPage: Int
  /// The seed.
  public var seed: UInt64
  /// The share of labels flipped at random (default 0.002).
  public var labelNoise: Double

  /// Creates a generator.
  public init(pages: Int = 60, linesPerPage: Int = 400, seed: UInt64 = 0, labelNoise: Double = 0.002) {
    self.pages = pages
    self.linesPerPage = linesPerPage
    self.seed = seed
    self.labelNoise = labelNoise
  }

  /// The label names, rarest first.
  public static let labelNames = ["Nomenclature", "Description", "Misc"]

  /// Generates the pages.
  public func documents() -> [AnnotatedDocument] {
    var random = SeededGenerator(seed: seed)
    return (0..<pages).map { page in
      var lines: [AnnotatedLine] = []
      func add(_ text: String, _ label: String) {
        var label = label
        if Double(random.nextUnitFloat()) < labelNoise {
          label = Self.labelNames[Int(random.next() % 3)]
        }
        lines.append(AnnotatedLine(text: text, label: label, rawLabel: label, lineNumber: lines.count + 1))
      }
      let length = linesPerPage / 2 + Int(random.next() % UInt64(linesPerPage))
      while lines.count < length {
        if random.next() % 110 == 0 {
          add(name(&random), "Nomenclature")
          for _ in 0..<(6 + Int(random.next() % 9)) { add(description(&random), "Description") }
        } else {
          add(prose(&random), "Misc")
        }
      }
      return AnnotatedDocument(path: "synthetic/page\(page + 1)", lines: lines)
    }
  }

  private static let genera = ["Agaricus", "Russula", "Lactarius", "Cortinarius", "Inocybe", "Mycena", "Amanita", "Boletus", "Xerocomus", "Entoloma", "Hygrocybe", "Peziza"]
  private static let epithets = ["rubescens", "albida", "minor", "fusca", "velutina", "montana", "pallida", "nigra", "aurantiaca", "gracilis", "silvestris", "tenuis"]
  private static let authors = ["Fr.", "(Pers.) Fr.", "Peck", "Singer", "Kühner", "Murrill", "(Bull.) P. Kumm.", "Quél.", "Romagn.", "Redhead"]
  private static let parts = ["Pileus", "Lamellae", "Stipe", "Spores", "Basidia", "Cystidia", "Context", "Odour", "Hyphae", "Pileipellis"]
  private static let colours = ["white", "pale ochre", "brown", "greyish", "vinaceous", "yellow", "dark brown", "cream", "olivaceous"]
  private static let shapes = ["convex", "ellipsoid", "cylindrical", "clavate", "globose", "fusiform", "subdecurrent", "fibrillose", "smooth"]
  private static let words = ["the", "of", "and", "in", "collections", "species", "study", "material", "were", "examined", "herbarium", "specimens", "this", "genus", "described", "Table", "region", "forest", "molecular", "analysis", "results", "data", "sequences", "we", "from", "new", "records", "key", "literature"]

  private func pick(_ list: [String], _ random: inout SeededGenerator) -> String {
    list[Int(random.next() % UInt64(list.count))]
  }

  private func name(_ random: inout SeededGenerator) -> String {
    let genus = pick(Self.genera, &random)
    let epithet = pick(Self.epithets, &random)
    let year = 1800 + Int(random.next() % 220)
    switch random.next() % 4 {
    case 0: return "\(genus) \(epithet) \(pick(Self.authors, &random)), sp. nov."
    case 1: return "\(genus) \(epithet) \(pick(Self.authors, &random)) \(year)"
    case 2: return "\(genus.prefix(1)). \(epithet) var. \(pick(Self.epithets, &random)) \(pick(Self.authors, &random))"
    default: return "\(genus) \(epithet) (\(pick(Self.authors, &random))) comb. nov."
    }
  }

  private func description(_ random: inout SeededGenerator) -> String {
    let part = pick(Self.parts, &random)
    if random.next() % 5 == 0 {
      return "\(part) \(pick(Self.colours, &random)), \(pick(Self.shapes, &random)), \(pick(Self.shapes, &random))."
    }
    let low = 1 + Int(random.next() % 12)
    let high = low + 1 + Int(random.next() % 8)
    let unit = ["µm", "mm", "cm"][Int(random.next() % 3)]
    return "\(part) \(low)–\(high) \(unit), \(pick(Self.colours, &random)), \(pick(Self.shapes, &random))."
  }

  private func prose(_ random: inout SeededGenerator) -> String {
    var text = (0..<(5 + Int(random.next() % 9))).map { _ in pick(Self.words, &random) }
      .joined(separator: " ")
    if random.next() % 6 == 0 { text += " (\(1900 + Int(random.next() % 120)))" }
    if random.next() % 9 == 0 { text = pick(Self.genera, &random) + " " + text }
    if random.next() % 12 == 0 { text += " \(Int(random.next() % 90)) \(["mm", "m", "km"][Int(random.next() % 3)])" }
    return text.prefix(1).uppercased() + text.dropFirst() + "."
  }
}
