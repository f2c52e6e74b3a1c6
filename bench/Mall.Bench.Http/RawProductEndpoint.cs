using System.Data.Common;
using System.Text.Json;
using Mall.Data;
using Microsoft.Extensions.Options;

namespace Mall.Bench.Http;

/// <summary>
/// The baseline for "product by id": the same two queries Mall's storefront runs (the product, then its live SKUs
/// joined with stock), in one round trip, read with a plain <see cref="DbDataReader"/> and written as JSON by hand.
/// No Dapper, no domain objects: what a careful developer would write with ADO.NET alone.
/// </summary>
internal sealed class RawProductEndpoint(IEnumerable<IMallDatabaseProvider> providers, IOptions<Mall.MallOptions> options)
{
    // Character for character the SQL of Mall's storefront product query (ProductService), so that the two
    // endpoints differ only in what happens around the database.
    private const string Sql =
        "SELECT p.id, p.name, p.subtitle, p.description, p.category_id, p.brand_id, p.specs, p.images, p.status, p.min_price, p.max_price, p.is_deleted, " +
        "p.created_at, p.updated_at FROM mall_product p WHERE p.id = @id AND p.is_deleted = FALSE AND p.status = 1" +
        ";SELECT s.id, s.product_id, s.code, s.spec_values, s.price, s.member_price, s.market_price, s.barcode, s.weight_grams, s.image_url, " +
        "i.received, i.available, i.reserved, i.sold, i.low_stock_threshold " +
        "FROM mall_sku s JOIN mall_inventory i ON i.sku_id = s.id WHERE s.product_id = @id AND s.is_deleted = FALSE ORDER BY s.sort_order, s.id";

    private readonly IMallDatabaseProvider _provider = providers.Single(p => string.Equals(p.Name, options.Value.Database.Provider, StringComparison.OrdinalIgnoreCase));
    private readonly string _connectionString = options.Value.Database.ConnectionString;

    public async Task<IResult> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = _provider.CreateConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = Sql;
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@id";
        parameter.Value = id;
        command.Parameters.Add(parameter);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return Results.NotFound();

        var buffer = new MemoryStream();
        await using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("id", reader.GetInt64(0));
            json.WriteString("name", reader.GetString(1));
            WriteNullableString(json, "subtitle", reader, 2);
            WriteNullableString(json, "description", reader, 3);
            json.WriteNumber("categoryId", reader.GetInt64(4));
            if (reader.IsDBNull(5)) json.WriteNull("brandId"); else json.WriteNumber("brandId", reader.GetInt64(5));
            json.WritePropertyName("specs");
            json.WriteRawValue(reader.GetString(6));
            json.WritePropertyName("images");
            json.WriteRawValue(reader.GetString(7));
            json.WriteNumber("minPrice", reader.GetInt64(9) / 100m);
            json.WriteNumber("maxPrice", reader.GetInt64(10) / 100m);
            await reader.NextResultAsync(cancellationToken);
            json.WriteStartArray("skus");
            while (await reader.ReadAsync(cancellationToken))
            {
                json.WriteStartObject();
                json.WriteNumber("id", reader.GetInt64(0));
                json.WriteString("code", reader.GetString(2));
                json.WritePropertyName("specValues");
                json.WriteRawValue(reader.GetString(3));
                json.WriteNumber("price", reader.GetInt64(4) / 100m);
                if (reader.IsDBNull(5)) json.WriteNull("memberPrice"); else json.WriteNumber("memberPrice", reader.GetInt64(5) / 100m);
                if (reader.IsDBNull(6)) json.WriteNull("marketPrice"); else json.WriteNumber("marketPrice", reader.GetInt64(6) / 100m);
                WriteNullableString(json, "imageUrl", reader, 9);
                json.WriteNumber("weightGrams", reader.GetInt32(8));
                json.WriteNumber("available", reader.GetInt64(11));
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Results.Bytes(buffer.ToArray(), "application/json; charset=utf-8");
    }

    private static void WriteNullableString(Utf8JsonWriter json, string name, DbDataReader reader, int ordinal)
    {
        if (reader.IsDBNull(ordinal)) json.WriteNull(name); else json.WriteString(name, reader.GetString(ordinal));
    }
}
