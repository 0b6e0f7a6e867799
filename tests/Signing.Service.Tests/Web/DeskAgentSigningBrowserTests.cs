using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Signing.Service.Authorization;
using Signing.Testing.Agent;
using Signing.Testing.Browser;

namespace Signing.Service.Tests.Web;

/// <summary>
/// Signing in the browser: the head's queue page in headless Chromium (with the head's client
/// certificate) and the real `signing-agent serve` on 127.0.0.1 with the SoftHSM2 token. The PIN is
/// typed in the agent's terminal (its standard input here) and must never reach the page, the
/// service's log or the agent's own output.
/// </summary>
public sealed partial class DeskAgentSigningBrowserTests(DeskAgentFixture f) : IClassFixture<DeskAgentFixture>, IAsyncLifetime
{
    private static readonly string[] Samples = ["quyet-dinh", "giay-phep", "mau-01-tiep-nhan", "mau-04-xin-loi"];
    private readonly ConsoleBrowser _browser = new(f);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _browser.DisposeAsync();

    [GeneratedRegex("/console/documents/([0-9a-f-]{36})\\?created=1$")]
    private static partial Regex CreatedUrl();

    [Fact]
    public async Task Intake_then_the_head_signs_a_batch_of_20_in_the_page_with_the_agent_then_they_are_sealed_and_issued()
    {
        // Intake: twenty decisions through the console's JSON import, as counter staff.
        var intake = await _browser.OpenAsync(Roles.CounterStaff, "/console/intake");
        var ids = new List<Guid>();
        for (var i = 0; i < 20; i++)
        {
            if (i > 0) await intake.Page.GotoAsync(f.Service.Staff("/console/intake").AbsoluteUri);
            await intake.Page.Locator("#import-signer").SelectOptionAsync(f.HeadId);
            await intake.Page.Locator("#import-json").FillAsync(Encoding.UTF8.GetString(IssuanceFixture.Sample(Samples[i % Samples.Length])));
            await intake.Page.Locator("#submit-import").ClickAsync();
            await intake.Page.WaitForURLAsync(CreatedUrl());
            ids.Add(Guid.Parse(CreatedUrl().Match(intake.Page.Url).Groups[1].Value));
        }
        intake.AssertNoProblems();

        using var agent = f.StartAgent(pair: true);
        var code = await agent.WaitUntilListeningAsync();
        var w = await _browser.OpenAsync(Roles.DepartmentHead, "/console/queue");
        var page = w.Page;
        await PairAsync(page, code!);
        await agent.WaitForLineAsync(l => l.StartsWith("Paired with the console", StringComparison.Ordinal));
        await w.AssertAccessibleAsync();

        var codes = new Dictionary<Guid, string>();
        foreach (var id in ids)
        {
            await page.Locator("#pick-" + id).CheckAsync();
            codes[id] = (await page.Locator("#pick-" + id).GetAttributeAsync("data-code"))!;
        }
        await page.Locator("#agent-sign-button").ClickAsync();

        // The page asks for nothing: it says to type the PIN in the agent's window, where the agent asks.
        await SaysAsync(page, "Nhập mã PIN của USB token trong cửa sổ chương trình ký");
        Assert.Equal(0, await page.Locator("input[type=password]").CountAsync());
        await agent.WaitForLineAsync(l => l.StartsWith("Type your token's PIN in this window", StringComparison.Ordinal));
        Assert.Contains(agent.Lines, l => l == "The console asks you to sign 20 document(s):");
        await agent.TypeAsync(f.Pin);
        await page.WaitForFunctionAsync("() => document.getElementById('agent-progress').value >= 2");
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await w.ScreenshotAsync("queue-signing", fullPage: false); // twenty drafts with their page images make a very tall page

        await page.WaitForFunctionAsync("() => document.getElementById('agent-status').textContent.startsWith('Xong')", null, new() { Timeout = 180_000 });
        Assert.Equal("Xong: đã ký 20, không ký 0, còn chờ 0.", await page.Locator("#agent-status").InnerTextAsync());
        Assert.Equal("20", await page.Locator("#agent-progress").EvaluateAsync<string>("p => String(p.value)"));
        Assert.Matches(@"^Đã xử lý 20/20 · đang ký: – · \d+\.\d văn bản/giây · còn khoảng – giây$", await page.Locator("#agent-progress-text").InnerTextAsync());
        foreach (var id in ids)
        {
            Assert.Equal("signed", await page.Locator("#result-" + id).GetAttributeAsync("data-outcome"));
            Assert.Equal("Đã ký", await page.Locator("#result-" + id).InnerTextAsync());
            Assert.True(await page.Locator("#pick-" + id).IsDisabledAsync());
        }
        await AssertPinNowhereInAsync(page, agent);
        await w.AssertAccessibleAsync();
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await w.ScreenshotAsync("queue-signed", fullPage: false);
        w.AssertNoProblems();

        // Seal and issue each signed document through the seal operator's page.
        var seal = await _browser.OpenAsync(Roles.SealOperator, "/console/seal");
        foreach (var id in ids)
        {
            await seal.Page.Locator($"tr[data-code='{codes[id]}'] button").ClickAsync();
            await seal.Page.WaitForURLAsync(new Regex(@"/console/seal\?issued="));
            Assert.Contains(codes[id], await seal.Page.Locator("#issued").InnerTextAsync(), StringComparison.Ordinal);
        }
        seal.AssertNoProblems();
        foreach (var id in ids)
        {
            Assert.Equal("issued", await f.StatusAsync(id));
            Assert.Equal(1, await f.SignaturesInHistoryAsync(id));
        }

        var log = f.ServiceLog();
        Assert.Contains("/api/documents/{id:guid}/complete", log, StringComparison.Ordinal); // the log is there, and holds the batch
        Assert.DoesNotContain(f.Pin, log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Killing_the_agent_mid_batch_leaves_every_document_signed_or_pending_and_the_next_batch_signs_the_rest_once()
    {
        var ids = await SubmitAsync(40);
        var w = await _browser.OpenAsync(Roles.DepartmentHead, "/console/queue");
        var page = w.Page;
        using (var agent = f.StartAgent(pair: true))
        {
            await PairAsync(page, (await agent.WaitUntilListeningAsync())!);
            await StartBatchAsync(page, agent, ids);
            await agent.WaitForLineAsync(l => l.StartsWith("[5/", StringComparison.Ordinal));
            await agent.KillAsync();
            await AssertPinNowhereInAsync(page, agent);
        }

        // The page says the agent is gone, and what that means.
        await SaysAsync(page, "Mất kết nối với chương trình ký");
        var statuses = new List<string>();
        foreach (var id in ids) statuses.Add(await f.StatusAsync(id));
        Assert.All(statuses, s => Assert.Contains(s, new[] { "awaiting_signature", "signed" }));
        Assert.Contains("signed", statuses);
        Assert.Contains("awaiting_signature", statuses);

        // The agent again (the pairing is kept): the page lists what is left, and signs it.
        using (var agent = f.StartAgent(pair: false))
        {
            Assert.Null(await agent.WaitUntilListeningAsync());
            await page.ReloadAsync();
            await SaysAsync(page, "Đã kết nối chương trình ký");
            var left = ids.Where((_, i) => statuses[i] == "awaiting_signature").ToList();
            await StartBatchAsync(page, agent, left);
            await page.WaitForFunctionAsync("() => document.getElementById('agent-status').textContent.startsWith('Xong')", null, new() { Timeout = 180_000 });
            Assert.Equal($"Xong: đã ký {left.Count}, không ký 0, còn chờ 0.", await page.Locator("#agent-status").InnerTextAsync());
            await AssertPinNowhereInAsync(page, agent);
        }

        foreach (var id in ids)
        {
            Assert.Equal("signed", await f.StatusAsync(id));
            Assert.Equal(1, await f.SignaturesInHistoryAsync(id));
        }
    }

    [Fact]
    public async Task Closing_the_page_mid_batch_leaves_the_agent_to_finish_and_every_document_signed_or_pending()
    {
        var ids = await SubmitAsync(30);
        using var agent = f.StartAgent(pair: true);
        var code = await agent.WaitUntilListeningAsync();
        var w = await _browser.OpenAsync(Roles.DepartmentHead, "/console/queue");
        await PairAsync(w.Page, code!);
        await StartBatchAsync(w.Page, agent, ids);
        await agent.WaitForLineAsync(l => l.StartsWith("[1/", StringComparison.Ordinal));
        await w.Page.Context.CloseAsync();

        var summary = await agent.WaitForLineAsync(l => l.StartsWith("Batch:", StringComparison.Ordinal), TimeSpan.FromMinutes(3));
        Assert.Equal("Batch: signed 30, refused 0, still pending 0", summary);
        foreach (var id in ids)
        {
            Assert.Contains(await f.StatusAsync(id), new[] { "awaiting_signature", "signed" });
            Assert.Equal(1, await f.SignaturesInHistoryAsync(id));
        }

        // A page opened again finds the agent still paired, and nothing left of this batch to sign.
        var again = await _browser.OpenAsync(Roles.DepartmentHead, "/console/queue");
        foreach (var id in ids) Assert.Equal(0, await again.Page.Locator("#pick-" + id).CountAsync());
        Assert.DoesNotContain(f.Pin, agent.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_pairing_the_page_asks_for_the_code_and_a_wrong_code_is_refused_at_its_field()
    {
        await SubmitAsync(1);
        using var agent = f.StartAgent(pair: true);
        var code = await agent.WaitUntilListeningAsync();
        var w = await _browser.OpenAsync(Roles.DepartmentHead, "/console/queue", width: 360);
        var page = w.Page;
        await ShownAsync(page.Locator("#agent-pair"));
        Assert.False(await page.Locator("#agent-sign").IsVisibleAsync());
        Assert.Equal(0, await page.Locator(".pick-row:visible").CountAsync());
        await page.Locator("#agent-code").FillAsync(code == "AAAA-AAAA" ? "BBBB-BBBB" : "AAAA-AAAA");
        await page.Locator("#agent-pair-button").ClickAsync();
        await SaysAsync(page, "Ghép nối không thành công: wrong pairing code (4 tries left)");
        await w.AssertAccessibleAsync();
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways at 360 px");
        await w.ScreenshotAsync("queue-pairing-360px");
        await agent.WaitForLineAsync(l => l.Contains("wrong pairing code", StringComparison.Ordinal));

        await PairAsync(page, code!);
        await ShownAsync(page.Locator(".pick-row").First);
        await w.AssertAccessibleAsync();
    }

    // The machine is shared and the suites run side by side: Playwright's 5 s default is too short a wait here.
    private const float Patience = 30_000;

    private static Task SaysAsync(IPage page, string text) =>
        Assertions.Expect(page.Locator("#agent-status")).ToContainTextAsync(text, new() { Timeout = Patience });

    private static Task ShownAsync(ILocator locator) => Assertions.Expect(locator).ToBeVisibleAsync(new() { Timeout = Patience });

    private async Task<List<Guid>> SubmitAsync(int count)
    {
        var ids = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            using var response = await f.SubmitAsync(IssuanceFixture.Sample(Samples[i % Samples.Length]), Guid.NewGuid().ToString());
            ids.Add((await IssuanceFixture.Json(response, System.Net.HttpStatusCode.Created)).GetProperty("id").GetGuid());
        }
        return ids;
    }

    private static async Task PairAsync(IPage page, string code)
    {
        await ShownAsync(page.Locator("#agent-pair"));
        await page.Locator("#agent-code").FillAsync(code);
        await page.Locator("#agent-pair-button").ClickAsync();
        await ShownAsync(page.Locator("#agent-sign"));
        await SaysAsync(page, "Đã ghép nối với chương trình ký");
    }

    private async Task StartBatchAsync(IPage page, AgentProcess agent, IEnumerable<Guid> ids)
    {
        foreach (var id in ids) await page.Locator("#pick-" + id).CheckAsync();
        await page.Locator("#agent-sign-button").ClickAsync();
        await agent.WaitForLineAsync(l => l.StartsWith("Type your token's PIN in this window", StringComparison.Ordinal));
        await agent.TypeAsync(f.Pin);
    }

    /// <summary>The PIN is in no part of the page (markup, form values, storage), nor in what the agent printed.</summary>
    private async Task AssertPinNowhereInAsync(IPage page, AgentProcess agent)
    {
        Assert.DoesNotContain(f.Pin, await page.ContentAsync(), StringComparison.Ordinal);
        var values = await page.EvaluateAsync<string>("() => JSON.stringify([Array.from(document.querySelectorAll('input')).map(i => i.value), Object.entries(localStorage), Object.entries(sessionStorage)])");
        Assert.DoesNotContain(f.Pin, values, StringComparison.Ordinal);
        Assert.DoesNotContain(f.Pin, agent.Output, StringComparison.Ordinal);
    }
}
