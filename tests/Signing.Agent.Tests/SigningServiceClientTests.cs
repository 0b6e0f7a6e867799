using System.Net;
using System.Text;
using System.Text.Json;
using Signing.Core;
using Signing.Service.Authorization;
using Signing.Testing.Agent;

namespace Signing.Agent.Tests;

/// <summary>
/// What the agent makes of the generated client's failures: a problem becomes a ServiceRefusedException with its
/// detail, a page that is not a problem keeps its status, an answer that is not the API's JSON says so, and no
/// service at all is ServiceUnreachableException.
/// </summary>
[Collection(AgentCollection.Name)]
public sealed class SigningServiceClientTests(AgentFixture f)
{
    [Fact]
    public async Task A_refusal_carries_the_status_and_the_problem_detail_the_service_sent()
    {
        var unknown = Guid.NewGuid();
        using var service = SigningServiceClient.FromSettings(f.Settings);
        var e = await Assert.ThrowsAsync<ServiceRefusedException>(() => service.PrepareAsync(unknown, CancellationToken.None));

        using var head = f.Client(Roles.DepartmentHead);
        using var direct = await head.PostAsync(f.Service.Staff($"/api/documents/{unknown}/prepare"), null);
        var detail = JsonDocument.Parse(await direct.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString();
        Assert.Equal(HttpStatusCode.NotFound, e.Status);
        Assert.Equal($"The service refused POST /api/documents/{unknown}/prepare (404): {detail}", e.Message);
    }

    [Fact]
    public async Task A_proxy_page_keeps_its_status_and_a_body_that_is_not_the_api_json_says_so()
    {
        var port = DeskAgent.FreePort();
        using var proxy = new HttpListener();
        proxy.Prefixes.Add($"http://127.0.0.1:{port}/");
        proxy.Start();
        var answering = Task.Run(async () =>
        {
            for (var i = 0; i < 2; i++)
            {
                var context = await proxy.GetContextAsync();
                var badGateway = context.Request.Url!.AbsolutePath.EndsWith("/queue", StringComparison.Ordinal);
                context.Response.StatusCode = badGateway ? 502 : 200;
                context.Response.ContentType = badGateway ? "text/html" : "application/json";
                var body = Encoding.UTF8.GetBytes(badGateway ? "<html><body>Bad Gateway</body></html>" : "[1, 2, 3]");
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
        });

        using var service = SigningServiceClient.FromSettings(f.Settings with { Service = new Uri($"http://127.0.0.1:{port}") });
        var refused = await Assert.ThrowsAsync<ServiceRefusedException>(() => service.QueueAsync(CancellationToken.None));
        Assert.Equal(HttpStatusCode.BadGateway, refused.Status);
        Assert.Equal("The service refused GET /api/heads/me/queue (502): BadGateway", refused.Message);

        var id = Guid.NewGuid();
        var malformed = await Assert.ThrowsAsync<SigningException>(() => service.PrepareAsync(id, CancellationToken.None));
        Assert.Equal($"The service answered POST /api/documents/{id}/prepare with something that is not the JSON this agent expects; is the service older than this agent?", malformed.Message);
        await answering;
    }

    [Fact]
    public async Task No_service_at_the_address_is_unreachable()
    {
        var port = DeskAgent.FreePort();
        using var service = SigningServiceClient.FromSettings(f.Settings with { Service = new Uri($"https://127.0.0.1:{port}") });
        var e = await Assert.ThrowsAsync<ServiceUnreachableException>(() => service.QueueAsync(CancellationToken.None));
        Assert.StartsWith($"The service at https://127.0.0.1:{port} cannot be reached (", e.Message, StringComparison.Ordinal);
    }
}
