// The one import for signing with Sigstore: everything of `Sigstore` (verification, models, keys, errors) plus the
// signing side (keys and key management protocols, Fulcio, Rekor v1/v2 and timestamp clients, `ArtifactSigner`).
@_exported import Sigstore
@_exported import SigstoreSign
