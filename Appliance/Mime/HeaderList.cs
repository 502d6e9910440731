using System.Collections;

namespace Appliance.Mime;

/// <summary>The header fields of an entity in order. Names compare case-insensitively (RFC 5322 §1.2.2).</summary>
public sealed class HeaderList : IReadOnlyList<HeaderField>
{
    private readonly List<HeaderField> fields;

    public HeaderList()
        : this([])
    {
    }

    internal HeaderList(List<HeaderField> fields)
    {
        this.fields = fields;
    }

    /// <summary>True once a field was added or removed: the entity then writes its fields instead of its source bytes.</summary>
    public bool IsModified { get; private set; }

    public int Count => fields.Count;

    public HeaderField this[int index] => fields[index];

    /// <summary>The first field called <paramref name="name"/>, or null.</summary>
    public HeaderField? this[string name] => fields.Find(f => Matches(f, name));

    /// <summary>The unfolded value of the first field called <paramref name="name"/>, or null.</summary>
    public string? GetValue(string name) => this[name]?.Value;

    public IEnumerable<HeaderField> GetAll(string name) => fields.Where(f => Matches(f, name));

    public bool Contains(string name) => fields.Exists(f => Matches(f, name));

    public void Add(HeaderField field)
    {
        fields.Add(field);
        IsModified = true;
    }

    public void Add(string name, string value) => Add(HeaderField.Create(name, value));

    /// <summary>Inserts at <paramref name="index"/>; trace fields (Received, Return-Path) go at 0 (RFC 5321 §4.4).</summary>
    public void Insert(int index, HeaderField field)
    {
        fields.Insert(index, field);
        IsModified = true;
    }

    public int RemoveAll(string name)
    {
        var removed = fields.RemoveAll(f => Matches(f, name));
        IsModified |= removed > 0;
        return removed;
    }

    /// <summary>Replaces the first field called <paramref name="name"/> in place and removes the others, or adds one.</summary>
    public void Set(HeaderField field)
    {
        var index = fields.FindIndex(f => Matches(f, field.Name));
        RemoveAll(field.Name);
        if (index < 0 || index > fields.Count)
        {
            fields.Add(field);
        }
        else
        {
            fields.Insert(index, field);
        }
        IsModified = true;
    }

    public IEnumerator<HeaderField> GetEnumerator() => fields.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static bool Matches(HeaderField field, string name) => string.Equals(field.Name, name, StringComparison.OrdinalIgnoreCase);
}
