using System.CommandLine;
using System.Diagnostics;
using Signing.Core;
using Signing.Core.IO;

namespace Signing.Agent.Commands;

/// <summary>`signing-agent open CODE`: the draft in the default PDF viewer, after checking it is the registered file.</summary>
internal static class OpenCommand
{
    public static Command Create()
    {
        var code = new Argument<string>("code") { Description = "The document's verification code (as in `queue`) or id." };
        var noLaunch = new Option<bool>("--no-launch") { Description = "Only save the draft and print its path." };
        var cmd = new Command("open", "Open a draft from your queue in the PDF viewer.") { noLaunch };
        cmd.Arguments.Add(code);
        cmd.SetAction(async (parse, ct) =>
        {
            var settings = AgentSettings.Load(AgentHome.Of(parse));
            using var service = SigningServiceClient.FromSettings(settings);
            var item = SignCommand.Select(await service.QueueAsync(ct), [parse.GetValue(code)!], all: false).Single();
            var draft = await service.DraftAsync(item.Id, ct);
            DraftFacts.Check(draft, item.DraftSha256, item.Summary);

            var directory = Path.Combine(Path.GetTempPath(), "signing-agent-" + Environment.UserName);
            Directory.CreateDirectory(directory);
            var path = Path.Combine(directory, item.VerificationCode + ".pdf");
            AtomicFile.Write(path, draft);
            Console.WriteLine(path);
            if (!parse.GetValue(noLaunch)) Launch(path);
            return 0;
        });
        return cmd;
    }

    private static void Launch(string path)
    {
        try
        {
            using var viewer = OperatingSystem.IsWindows()
                ? Process.Start(new ProcessStartInfo(path) { UseShellExecute = true })
                : Process.Start(new ProcessStartInfo("xdg-open", [path]) { UseShellExecute = false });
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new SigningException($"The draft is saved at {path}, but no PDF viewer could be started ({e.Message}).");
        }
    }
}
