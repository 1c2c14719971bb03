// The one import for signing with Sigstore: everything of `Sigstore` (verification, models, keys, errors) plus the
// signing side (keys and key management protocols, Fulcio, Rekor v1/v2 and timestamp clients, `ArtifactSigner`), and
// TUF (`TUFClient`), through which `SigstoreInstance` gets an instance's trusted root and signing config.
@_exported import Sigstore
@_exported import SigstoreSign
@_exported import SigstoreTUF
