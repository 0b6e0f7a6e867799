using Microsoft.AspNetCore.Http.Extensions;

namespace Signing.Service.Web;

/// <summary>Links the layout builds from the current request.</summary>
public static class PageLinks
{
    /// <summary>The current page in another language: the same path and query with lang replaced.</summary>
    public static string WithLanguage(HttpRequest request, string culture)
    {
        ArgumentNullException.ThrowIfNull(request);
        var query = new QueryBuilder(request.Query.Where(q => q.Key != ConsoleSetup.LanguageQuery).SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string>(q.Key, v ?? ""))))
        {
            { ConsoleSetup.LanguageQuery, culture },
        };
        return request.PathBase + request.Path + query.ToQueryString();
    }
}
