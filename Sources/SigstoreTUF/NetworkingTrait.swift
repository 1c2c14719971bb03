// SigstoreTUF uses AsyncHTTPClient and SwiftNIO (or swift-argument-parser), which the package brings in only with its
// Networking trait. The trait is on by default; a dependent that turned it off (`traits: []`) gets this line instead
// of a missing module.
#if !Networking
#error("SigstoreTUF needs swift-cosign's Networking trait (on by default): drop 'traits: []' from the package dependency, or depend only on the Sigstore product")
#endif
