/// The TUF cache layout sigstore-go (and so Go cosign) uses, so that clients share one cache (`~/.sigstore/root`):
/// metadata in `<root>/<URLToPath(mirror)>/`, targets in its `targets/` folder under `url.PathEscape`d names, and the
/// last refresh time in `<root>/<URLToPath(mirror)>.json`.
public struct CacheLayout: Sendable, Hashable {
    /// The cache root (`TUF_ROOT`, by default `~/.sigstore/root`).
    public var root: String
    /// The mirror the cache is for.
    public var mirror: String

    /// The layout for `mirror` under `root`.
    public init(root: String, mirror: String) {
        self.root = root
        self.mirror = mirror
    }

    /// sigstore-go's `URLToPath`: the URL without an `http://` or `https://` scheme, `/` and `:` replaced by `-`,
    /// lowercased (`tuf-repo-cdn.sigstore.dev`).
    public static func urlToPath(_ url: String) -> String {
        var text = Substring(url)
        for scheme in ["https://", "http://"] where text.hasPrefix(scheme) { text = text.dropFirst(scheme.count) }
        return String(text.map { $0 == "/" || $0 == ":" ? "-" : $0 }).lowercased()
    }

    /// Go's `url.PathEscape`: everything but unreserved characters and `$&+:=@` percent-encoded (`/` as `%2F`).
    public static func pathEscape(_ name: String) -> String {
        var out = ""
        for byte in name.utf8 {
            let c = Character(UnicodeScalar(byte))
            if c.isASCII && (c.isLetter || c.isNumber || "-_.~$&+:=@".contains(c)) {
                out.append(c)
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    /// Where the metadata is cached.
    public var metadataDirectory: String { "\(root)/\(Self.urlToPath(mirror))" }
    /// Where targets are cached.
    public var targetsDirectory: String { "\(metadataDirectory)/targets" }
    /// Where target `name` is cached.
    public func targetFile(_ name: String) -> String { "\(targetsDirectory)/\(Self.pathEscape(name))" }
    /// sigstore-go's record of the last online refresh (`{"lastTimestamp": "<RFC 3339>"}`).
    public var lastRefreshFile: String { "\(root)/\(Self.urlToPath(mirror)).json" }
    /// Go cosign's record of the mirror `cosign initialize` chose (`{"mirror": "<url>"}`).
    public var remoteFile: String { "\(root)/remote.json" }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
