using Signing.Bench;

// bench/run.sh builds the native helpers and calls: Signing.Bench <suite> [options]
var suite = args.Length > 0 ? args[0] : "pkcs11";
var options = BenchOptions.Parse(args.Skip(1).ToArray());
switch (suite)
{
    case "pkcs11":
        Pkcs11Bench.Run(options);
        return 0;
    case "render":
        RenderBench.Run(options);
        return 0;
    case "pades":
        PadesBench.Run(options);
        return 0;
    case "verify":
        PadesBench.Run(options, verifyOnly: true);
        return 0;
    case "service":
        ServiceBench.Run(options);
        return 0;
    case "ltv":
        LtvBench.Run(options);
        return 0;
    case "agent":
        AgentBench.Run(options);
        return 0;
    case "seal":
        SealBench.Run(options);
        return 0;
    case "console":
        ConsoleBench.Run(options);
        return 0;
    default:
        Console.Error.WriteLine($"bench: unknown suite '{suite}' (known: pkcs11, render, pades, verify, ltv, service, agent, seal, console)");
        return 2;
}
