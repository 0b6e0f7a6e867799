using Signing.Core;
using Signing.Core.Documents;
using Signing.Pdf.Rendering;

namespace Signing.Issuance;

/// <summary>
/// Takes the state files of the old layout (<c>documents/&lt;code&gt;.json</c>, <c>heads.json</c>,
/// <c>prepared/&lt;id&gt;.json</c> in the data directory) into the registry at startup, in one
/// transaction with one audit record, then renames each file to <c>*.imported</c> so nothing is
/// lost and the next start finds nothing to do. A crash between the commit and the renames is
/// harmless: the import only adds what the registry does not have yet.
/// </summary>
public static class StateFileImport
{
    public const string ImportedSuffix = ".imported";

    /// <summary>Returns what was added (all zero when there were no old files or all were already in).</summary>
    public static async Task<ServiceStateImportResult> RunAsync(string dataDirectory, IServiceStateImporter importer, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(importer);
        // Facts files are named by their code; anything else in the folder was never ours.
        var factsFiles = Files(Path.Combine(dataDirectory, "documents")).Where(f => IsCode(Path.GetFileNameWithoutExtension(f))).ToList();
        var headsFile = Path.Combine(dataDirectory, "heads.json");
        var requestFiles = Files(Path.Combine(dataDirectory, "prepared"));
        var all = factsFiles.Concat(requestFiles).ToList();
        if (File.Exists(headsFile)) all.Add(headsFile);
        if (all.Count == 0) return new ServiceStateImportResult(0, 0, 0, 0);

        var facts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in factsFiles)
        {
            var read = ServiceJson.Read<DocumentFacts>(file)!;
            facts[VerificationCode.Normalize(read.VerificationCode)] = DocumentFactsStore.ToJson(read);
        }
        var heads = File.Exists(headsFile)
            ? ServiceJson.Read<Dictionary<string, HeadEnrollment>>(headsFile)!.Values.ToList()
            : [];
        var requests = requestFiles.Select(f => ServiceJson.Read<PreparedRequest>(f)!.ToRecord()).ToList();

        var result = await importer.ImportAsync(new ServiceStateImport { FactsByCode = facts, Heads = heads, PreparedRequests = requests }, "state-import", ct)
            .ConfigureAwait(false);
        foreach (var file in all) File.Move(file, file + ImportedSuffix, overwrite: true);
        return result;
    }

    private static bool IsCode(string name)
    {
        try
        {
            return VerificationCode.Normalize(name) == name;
        }
        catch (SigningException)
        {
            return false;
        }
    }

    private static List<string> Files(string directory) =>
        Directory.Exists(directory) ? Directory.EnumerateFiles(directory, "*.json").Order(StringComparer.Ordinal).ToList() : [];
}
