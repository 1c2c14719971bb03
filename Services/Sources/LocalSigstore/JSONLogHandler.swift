internal import Foundation
public import Logging
internal import SigstoreModels
import SigstoreJSON

/// A swift-log handler that writes one JSON object per line to standard error: `time`, `level`, `label`, `message`,
/// `source` and every metadata value (request logs carry `hb.request.method`, `hb.request.path`, status…).
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    let label: String

    /// Creates a handler for `label` at `level`.
    public init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var members: [(String, OrderedJSON)] = [
            ("time", .string(Self.timestamp())), ("level", .string(event.level.rawValue)), ("label", .string(label)),
            ("message", .string(event.message.description)), ("source", .string(event.source)),
        ]
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) { members.append((key, Self.json(value))) }
        let line = OrderedJSON.object(members).serialized() + [0x0A]
        line.withUnsafeBytes { _ = write(2, $0.baseAddress, $0.count) }
    }

    static func json(_ value: Logger.MetadataValue) -> OrderedJSON {
        switch value {
        case .string(let s): .string(s)
        case .stringConvertible(let c): .string(c.description)
        case .array(let a): .array(a.map(json))
        case .dictionary(let d): .object(d.sorted(by: { $0.key < $1.key }).map { ($0.key, json($0.value)) })
        }
    }

    static func timestamp() -> String {
        let now = Date()
        let millis = Int((now.timeIntervalSince1970 * 1000).truncatingRemainder(dividingBy: 1000))
        let base = rfc3339(now)
        let ms = String(millis)
        return String(base.dropLast()) + "." + String(repeating: "0", count: 3 - ms.count) + ms + "Z"
    }
}
