using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using Signing.Core;
using Signing.Testing;

namespace Signing.Timestamping.Tests;

public sealed class SerialNumberTests : IClassFixture<TestPki>, IDisposable
{
    private readonly TestPki _pki;
    private readonly string _dir = RepoPaths.NewTempDirectory("tsa-serials");

    public SerialNumberTests(TestPki pki) => _pki = pki;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Tokens_from_two_threads_and_a_restarted_tsa_never_share_a_serial_number()
    {
        const int PerThread = 40;
        var serials = new System.Collections.Concurrent.ConcurrentBag<BigInteger>();
        var tsa = NewTsa(blockSize: 7);
        var threads = Enumerable.Range(0, 2).Select(t => new Thread(() =>
        {
            for (var i = 0; i < PerThread; i++) serials.Add(SerialOf(tsa, $"{t}-{i}"));
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        var restarted = NewTsa(blockSize: 7); // a new process would start exactly like this, from the file
        for (var i = 0; i < 10; i++) serials.Add(SerialOf(restarted, "after-" + i));

        Assert.Equal(2 * PerThread + 10, serials.Count);
        Assert.Equal(serials.Count, serials.Distinct().Count());
        Assert.All(serials, s => Assert.True(s > 0));
    }

    [Fact]
    public void The_high_water_mark_is_persisted_before_a_block_is_used_so_a_restart_skips_ahead()
    {
        var first = new FileSerialNumberSource(_dir, blockSize: 100);
        Assert.Equal(BigInteger.One, first.Next());
        Assert.Equal("100", File.ReadAllText(first.StateFile).Trim());
        Assert.Equal(new BigInteger(2), first.Next());

        var afterRestart = new FileSerialNumberSource(_dir, blockSize: 100);
        Assert.Equal(new BigInteger(101), afterRestart.Next());
        Assert.Equal("200", File.ReadAllText(first.StateFile).Trim());
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public void Two_sources_on_one_folder_at_once_like_two_processes_hand_out_distinct_numbers()
    {
        var a = new FileSerialNumberSource(_dir, blockSize: 3);
        var b = new FileSerialNumberSource(_dir, blockSize: 3);
        var seen = new System.Collections.Concurrent.ConcurrentBag<BigInteger>();
        Parallel.For(0, 600, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => seen.Add((i % 2 == 0 ? a : b).Next()));
        Assert.Equal(600, seen.Distinct().Count());
    }

    [Fact]
    public void A_damaged_state_file_stops_the_tsa_instead_of_restarting_at_one()
    {
        File.WriteAllText(Path.Combine(_dir, FileSerialNumberSource.StateFileName), "garbage");
        var e = Assert.Throws<SigningException>(() => new FileSerialNumberSource(_dir).Next());
        Assert.Contains("is damaged", e.Message, StringComparison.Ordinal);
    }

    private TimestampAuthority NewTsa(int blockSize) =>
        new(_pki.TsaKey, _pki.TsaCertificate, [], new FileSerialNumberSource(_dir, blockSize));

    private static BigInteger SerialOf(TimestampAuthority tsa, string data)
    {
        var request = Rfc3161Client.CreateRequest(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(data)), HashAlgorithmName.SHA256);
        var info = Rfc3161Client.ValidateResponse(request, tsa.Respond(request.Encode())).Info;
        return new BigInteger(info.GetSerialNumber().Span, isUnsigned: false, isBigEndian: true);
    }
}
