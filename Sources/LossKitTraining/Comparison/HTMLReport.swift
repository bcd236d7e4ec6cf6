import Foundation

/// A self-contained HTML page comparing losses: tables, per-class F1 bars, precision-recall
/// curves of the rare classes and reliability diagrams, drawn as inline SVG (no scripts, no
/// network), so it opens anywhere, offline.
public enum HTMLReport {
  /// Renders the page.
  public static func render(_ results: [LossComparison.Result], title: String, subtitle: String) -> String {
    guard let first = results.first else { return "<!doctype html><title>\(escape(title))</title><p>No results.</p>" }
    let labels = first.report.labelNames
    let common = first.report.classes.indices.max { first.report.classes[$0].support < first.report.classes[$1].support }
    var body = "<h1>\(escape(title))</h1>\n<p class=\"sub\">\(escape(subtitle))</p>\n" + legend(results)
    body += summaryTable(results, labels: labels)
    body += "<h2>F1 per class</h2>\n" + f1Bars(results, labels: labels)
    body += "<h2>Precision–recall curves</h2>\n<div class=\"row\">"
    for (index, label) in labels.enumerated() where index != common {
      body += "<figure>" + precisionRecallChart(results, classIndex: index, classes: labels.count)
        + "<figcaption>\(escape(label)) (one-vs-rest)</figcaption></figure>"
    }
    body += "</div>\n<h2>Reliability (calibration)</h2>\n<p class=\"sub\">Points on the diagonal are calibrated; focal losses tend to push probabilities to 0 and 1, temperature scaling (applied here) pulls them back.</p>\n<div class=\"row\">"
    for result in results {
      body += "<figure>" + reliabilityChart(result, classes: labels.count)
        + "<figcaption>\(escape(result.name)): ECE \(format(result.report.expectedCalibrationError))</figcaption></figure>"
    }
    body += "</div>\n" + detailTable(results, labels: labels)
    return """
      <!doctype html>
      <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
      <style>
      body{font:14px/1.45 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:24px auto;max-width:1100px;color:#222}
      h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px} .sub{color:#666;margin:0 0 12px}
      table{border-collapse:collapse;margin:8px 0} th,td{padding:4px 10px;text-align:right;border-bottom:1px solid #e3e3e3}
      th:first-child,td:first-child{text-align:left} th{background:#f6f6f6} td.best{font-weight:700}
      .row{display:flex;flex-wrap:wrap;gap:18px} figure{margin:0} figcaption{text-align:center;color:#444;font-size:13px}
      svg text{font-size:11px;fill:#333} .legend span{display:inline-block;margin-right:14px}
      .legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px}
      </style></head><body>
      \(body)
      </body></html>
      """
  }

  static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf", "#7f7f7f"]

  static func color(_ index: Int) -> String { palette[index % palette.count] }

  static func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
  }

  static func format(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "–" }

  static func legend(_ results: [LossComparison.Result]) -> String {
    "<p class=\"legend\">" + results.enumerated().map {
      "<span><i style=\"background:\(color($0.offset))\"></i>\(escape($0.element.name)) <small>(\(escape($0.element.loss)))</small></span>"
    }.joined() + "</p>"
  }

  static func summaryTable(_ results: [LossComparison.Result], labels: [String]) -> String {
    var html = "<table><tr><th>loss</th>" + labels.map { "<th>\(escape($0)) F1</th>" }.joined()
      + "<th>macro F1</th><th>ECE</th><th>epochs</th><th>seconds</th></tr>"
    let bestF1 = labels.indices.map { index in results.map { $0.report.classes[index].f1 }.max() ?? 0 }
    let bestMacro = results.map(\.report.macroF1).max() ?? 0
    for result in results {
      html += "<tr><td>\(escape(result.name))</td>"
      for (index, statistics) in result.report.classes.enumerated() {
        html += "<td\(statistics.f1 == bestF1[index] ? " class=\"best\"" : "")>\(format(statistics.f1))</td>"
      }
      html += "<td\(result.report.macroF1 == bestMacro ? " class=\"best\"" : "")>\(format(result.report.macroF1))</td>"
      html += "<td>\(format(result.report.expectedCalibrationError))</td><td>\(result.epochs)</td>"
      html += String(format: "<td>%.0f</td></tr>", result.seconds)
    }
    return html + "</table>\n"
  }

  static func detailTable(_ results: [LossComparison.Result], labels: [String]) -> String {
    let bound = results.first?.report.falsePositiveBound ?? 0.01
    var html = "<h2>Per class</h2><table><tr><th>class / loss</th><th>precision</th><th>recall</th><th>F1</th><th>support</th><th>ROC-AUC</th><th>PR-AUC</th><th>recall at FPR ≤ \(bound)</th></tr>"
    for (index, label) in labels.enumerated() {
      html += "<tr><th colspan=\"8\" style=\"text-align:left\">\(escape(label))</th></tr>"
      for result in results {
        let s = result.report.classes[index]
        html += "<tr><td>\(escape(result.name))</td><td>\(format(s.precision))</td><td>\(format(s.recall))</td><td>\(format(s.f1))</td><td>\(s.support)</td><td>\(format(s.rocAUC))</td><td>\(format(s.prAUC))</td><td>\(format(s.recallAtFalsePositiveBound))</td></tr>"
      }
    }
    return html + "</table>\n"
  }

  /// Grouped bars: one group per class, one bar per loss.
  static func f1Bars(_ results: [LossComparison.Result], labels: [String]) -> String {
    let width = 760.0
    let height = 260.0
    let left = 40.0
    let bottom = 30.0
    let plotHeight = height - bottom - 10
    let groupWidth = (width - left) / Double(labels.count)
    let barWidth = groupWidth * 0.8 / Double(results.count)
    var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"F1 per class\">"
    for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
      let y = 10 + plotHeight * (1 - tick)
      svg += "<line x1=\"\(left)\" x2=\"\(width)\" y1=\"\(y)\" y2=\"\(y)\" stroke=\"#e5e5e5\"/><text x=\"\(left - 6)\" y=\"\(y + 4)\" text-anchor=\"end\">\(String(format: "%.2f", tick))</text>"
    }
    for (classIndex, label) in labels.enumerated() {
      let groupLeft = left + Double(classIndex) * groupWidth + groupWidth * 0.1
      for (resultIndex, result) in results.enumerated() {
        let f1 = result.report.classes[classIndex].f1
        let barHeight = plotHeight * f1
        let x = groupLeft + Double(resultIndex) * barWidth
        svg += "<rect class=\"bar\" x=\"\(x)\" y=\"\(10 + plotHeight - barHeight)\" width=\"\(barWidth - 2)\" height=\"\(barHeight)\" fill=\"\(color(resultIndex))\"><title>\(escape(result.name)) \(escape(label)) F1 \(format(f1))</title></rect>"
      }
      svg += "<text x=\"\(groupLeft + groupWidth * 0.4)\" y=\"\(height - 10)\" text-anchor=\"middle\">\(escape(label))</text>"
    }
    return svg + "</svg>\n"
  }

  static func axes(_ size: Double, _ margin: Double, x: String, y: String) -> String {
    let plot = size - 2 * margin
    var svg = "<rect x=\"\(margin)\" y=\"\(margin)\" width=\"\(plot)\" height=\"\(plot)\" fill=\"none\" stroke=\"#bbb\"/>"
    for tick in stride(from: 0.0, through: 1.0, by: 0.5) {
      svg += "<text x=\"\(margin + plot * tick)\" y=\"\(size - margin + 14)\" text-anchor=\"middle\">\(tick)</text>"
      svg += "<text x=\"\(margin - 4)\" y=\"\(margin + plot * (1 - tick) + 4)\" text-anchor=\"end\">\(tick)</text>"
    }
    svg += "<text x=\"\(size / 2)\" y=\"\(size - 4)\" text-anchor=\"middle\">\(x)</text>"
    svg += "<text x=\"10\" y=\"\(size / 2)\" transform=\"rotate(-90 10 \(size / 2))\" text-anchor=\"middle\">\(y)</text>"
    return svg
  }

  static func precisionRecallChart(_ results: [LossComparison.Result], classIndex: Int, classes: Int) -> String {
    let size = 300.0
    let margin = 36.0
    let plot = size - 2 * margin
    var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(size))\" height=\"\(Int(size))\" role=\"img\" aria-label=\"precision-recall\">"
      + axes(size, margin, x: "recall", y: "precision")
    for (index, result) in results.enumerated() {
      let curve = Curves.precisionRecall(
        probabilities: result.probabilities, labels: result.labels, classes: classes, of: classIndex)
      let points = curve.map { String(format: "%.1f,%.1f", margin + plot * $0.recall, margin + plot * (1 - $0.precision)) }
      svg += "<polyline class=\"curve\" points=\"\(points.joined(separator: " "))\" fill=\"none\" stroke=\"\(color(index))\" stroke-width=\"2\"/>"
    }
    return svg + "</svg>"
  }

  static func reliabilityChart(_ result: LossComparison.Result, classes: Int) -> String {
    let size = 220.0
    let margin = 32.0
    let plot = size - 2 * margin
    var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(size))\" height=\"\(Int(size))\" role=\"img\" aria-label=\"reliability\">"
      + axes(size, margin, x: "confidence", y: "accuracy")
      + "<line x1=\"\(margin)\" y1=\"\(margin + plot)\" x2=\"\(margin + plot)\" y2=\"\(margin)\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>"
    let bins = Curves.reliability(probabilities: result.probabilities, labels: result.labels, classes: classes)
    let total = max(bins.map(\.count).reduce(0, +), 1)
    for (index, bin) in bins.enumerated() where bin.count > 0 {
      let x = margin + plot * Double(index) / Double(bins.count)
      let barHeight = plot * bin.accuracy
      let opacity = 0.35 + 0.65 * min(1, Double(bin.count) / Double(total) * Double(bins.count))
      svg += "<rect class=\"bar\" x=\"\(x + 1)\" y=\"\(margin + plot - barHeight)\" width=\"\(plot / Double(bins.count) - 2)\" height=\"\(barHeight)\" fill=\"#1f77b4\" fill-opacity=\"\(String(format: "%.2f", opacity))\"><title>confidence \(format(bin.confidence)), accuracy \(format(bin.accuracy)), \(bin.count) rows</title></rect>"
    }
    return svg + "</svg>"
  }
}
