using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Signing.DevPki;
using Signing.Pkcs11;

namespace Signing.Bench;

/// <summary>
/// Signatures per second through Signing.Pkcs11 (Pkcs11Interop) on the dev token (SoftHSM2), next to SoftHSM2's own
/// ceiling (a C loop straight through the module, same key, mechanism and input) and `openssl
/// speed` in the same run. Target: binding / ceiling ≥ 0.95.
/// </summary>
internal static partial class Pkcs11Bench
{
    private static readonly (string Name, string Label, bool Ec, string OpensslAlgorithm)[] Cases =
    [
        ("RSA-2048", "head", false, "rsa2048"),
        ("RSA-3072", "seal", false, "rsa3072"),
        ("P-256", "signer2", true, "ecdsap256"),
    ];

    public static void Run(BenchOptions options)
    {
        var layout = DevBenchToken.Layout();
        using var token = DevBenchToken.Open(layout);
        var store = new Pkcs11KeyStore(token);
        var pin = File.ReadAllText(layout.UserPinFile).Trim();

        Console.WriteLine($"PKCS#11 signing on SoftHSM2 ({Environment.ProcessorCount} cores, {options.Seconds} s per cell)");
        Console.WriteLine($"{"key",-9} {"threads",7} {"binding/s",10} {"ceiling/s",10} {"ratio",6} {"openssl/s",10} {"binding/openssl",16}");
        foreach (var (name, label, ec, ossl) in Cases)
        {
            var key = store.GetSignatureKey(Pkcs11Uri.For(obj: label, type: "private"));
            var hash = SHA256.HashData("bench"u8);
            key.SignHash(hash, HashAlgorithmName.SHA256); // warm up: login, handle lookup, JIT
            foreach (var threads in new[] { 1, 2 })
            {
                // Best of three interleaved runs each: on a shared machine the best run is the one
                // least disturbed by others, for the binding and the C ceiling alike.
                double ours = 0, ceiling = options.Ceiling != null ? 0 : double.NaN;
                for (var round = 0; round < 3; round++)
                {
                    ours = Math.Max(ours, Throughput.Measure(threads, options.Seconds, () => key.SignHash(hash, HashAlgorithmName.SHA256)).PerSecond);
                    if (options.Ceiling != null) ceiling = Math.Max(ceiling, Ceiling(options.Ceiling, layout, pin, label, ec, threads, options.Seconds));
                }

                var openssl = OpensslSpeed(ossl, threads, options.Seconds);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{name,-9} {threads,7} {ours,10:F0} {ceiling,10:F0} {ours / ceiling,6:F2} {openssl,10:F0} {ours / openssl,16:F3}"));
            }
        }
    }

    private static double Ceiling(string program, DevLayout layout, string pin, string label, bool ec, int threads, int seconds)
    {
        var output = RunTool(program, [DevLayout.ModulePath, DevLayout.TokenLabel, pin, label, ec ? "ec" : "rsa", threads.ToString(CultureInfo.InvariantCulture), seconds.ToString(CultureInfo.InvariantCulture)],
            ("SOFTHSM2_CONF", layout.SoftHsmConfig));
        return double.Parse(output.Trim(), CultureInfo.InvariantCulture);
    }

    /// <summary>openssl speed's sign/s: the second-to-last number on the algorithm's result line.</summary>
    private static double OpensslSpeed(string algorithm, int threads, int seconds)
    {
        List<string> args = ["speed", "-seconds", seconds.ToString(CultureInfo.InvariantCulture)];
        if (threads > 1) args.AddRange(["-multi", threads.ToString(CultureInfo.InvariantCulture)]);
        args.Add(algorithm);
        var output = RunTool("openssl", args);
        var line = output.Split('\n').LastOrDefault(l => ResultLine().IsMatch(l) && (l.Contains("rsa", StringComparison.Ordinal) || l.Contains("ecdsa", StringComparison.Ordinal)))
            ?? throw new InvalidOperationException("openssl speed printed no result line:\n" + output);
        var numbers = Number().Matches(line).Select(m => double.Parse(m.Value, CultureInfo.InvariantCulture)).ToList();
        return numbers[^2];
    }

    private static string RunTool(string file, IEnumerable<string> args, params (string Key, string Value)[] env)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = new StringBuilder(p.StandardOutput.ReadToEnd());
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} failed: {stderr}");
        return stdout.ToString();
    }

    [GeneratedRegex(@"\d+\.\d+\s+\d+\.\d+\s*$")]
    private static partial Regex ResultLine();

    [GeneratedRegex(@"\d+(\.\d+)?")]
    private static partial Regex Number();
}
