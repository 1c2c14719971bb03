/// Parses Go duration strings (`3m0s`, `90s`, `1h30m`, `500ms`), as cosign's `--timeout` takes them.
public enum GoDuration {
    /// The duration `text` spells (`"0"` is zero), or nil when it is not a Go duration.
    public static func parse(_ text: String) -> Duration? {
        if text == "0" { return .zero }
        var total = 0.0
        var rest = Substring(text)
        guard !rest.isEmpty else { return nil }
        let units: [(String, Double)] = [("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600)]
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            guard let unit = units.filter({ rest.hasPrefix($0.0) }).max(by: { $0.0.count < $1.0.count }) else { return nil }
            rest = rest.dropFirst(unit.0.count)
            total += value * unit.1
        }
        return .milliseconds(Int64((total * 1000).rounded()))
    }
}
