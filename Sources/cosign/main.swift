import CosignCLI

#if canImport(Glibc)
import Glibc
#endif

let status = await CosignCLI.run(Array(CommandLine.arguments.dropFirst()))
exit(status)
