using System.Xml.Linq;
using Dapper;
using Mall.Data;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Mall.Web.Security;

/// <summary>
/// ASP.NET Core Data Protection's key ring in <c>mall_data_protection_key</c>: every node of the mall reads the same
/// keys, so a bearer token (or anything else protected) issued by one node is accepted by the others, and keys
/// survive a redeploy. Data Protection calls it synchronously and rarely (key ring refresh, about daily).
/// </summary>
internal sealed class DatabaseKeyRepository(IMallDatabase database, TimeProvider clock) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = database.OpenConnectionAsync(CancellationToken.None).GetAwaiter().GetResult();
        return connection.Query<string>("SELECT xml FROM mall_data_protection_key ORDER BY id").Select(XElement.Parse).ToList();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var connection = database.OpenConnectionAsync(CancellationToken.None).GetAwaiter().GetResult();
        connection.Execute("INSERT INTO mall_data_protection_key (friendly_name, xml, created_at) VALUES (@friendlyName, @xml, @now)",
            new { friendlyName, xml = element.ToString(SaveOptions.DisableFormatting), now = clock.GetUtcNow().UtcDateTime });
    }
}
