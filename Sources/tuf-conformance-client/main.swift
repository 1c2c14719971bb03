import Foundation

exit(await ConformanceClient.run(Array(CommandLine.arguments.dropFirst())))
