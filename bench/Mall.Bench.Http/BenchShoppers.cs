using System.Globalization;
using Dapper;
using Mall.Customers;
using Mall.Data;
using Mall.Web.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.Extensions.Options;

namespace Mall.Bench.Http;

/// <summary>
/// Bench only: makes shoppers with bearer tokens for the flash-sale run (rows written directly — password hashing
/// would take minutes for thousands — and tokens issued by the host's own bearer format, as a login does).
/// </summary>
internal static class BenchShoppers
{
    public static async Task<string> CreateAsync(IServiceProvider services, int count)
    {
        var database = services.GetRequiredService<IMallDatabase>();
        var prefix = "18" + Random.Shared.Next(100, 999).ToString(CultureInfo.InvariantCulture);
        await using (var connection = await database.OpenConnectionAsync())
        {
            await using var tx = await connection.BeginTransactionAsync();
            var now = DateTime.UtcNow;
            for (var i = 0; i < count; i++)
                await connection.ExecuteAsync("INSERT INTO mall_customer (phone, nickname, member_level, growth, points, balance, created_at, updated_at) VALUES (@phone, @phone, 0, 0, 0, 0, @now, @now)",
                    new { phone = prefix + i.ToString("000000", CultureInfo.InvariantCulture), now }, tx);
            await tx.CommitAsync();
        }
        var customers = services.GetRequiredService<ICustomerService>();
        var format = services.GetRequiredService<IOptionsMonitor<BearerTokenOptions>>().Get(MallClaims.BearerScheme).BearerTokenProtector;
        await using var read = await database.OpenConnectionAsync();
        var lines = new List<string>();
        foreach (var id in await read.QueryAsync<long>($"SELECT id FROM mall_customer WHERE phone LIKE '{prefix}%' ORDER BY id"))
        {
            var principal = MallClaims.ForCustomer((await customers.FindAsync(id))!);
            lines.Add(format.Protect(new AuthenticationTicket(principal, new AuthenticationProperties { ExpiresUtc = DateTimeOffset.UtcNow.AddHours(4) }, MallClaims.BearerScheme)));
        }
        return string.Join('\n', lines);
    }
}
