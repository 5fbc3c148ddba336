// The coach's flags: phrases that make a report less useful (vague wording, hearsay), that
// describe people by supposed origin rather than by what can be seen, that tell of a danger now
// (call 17), or that could identify the citizen. Patterns run on normalise()d text (lower case,
// no accents) unless `raw` asks for the lower-cased original (where an accent carries meaning:
// "typé" is a stereotype, "type" is a kind of vehicle). Each rule is a gentle advice, never a block.

const B = "(?<![\\p{L}\\p{N}])"; // word start, letters with or without accents
const E = "(?![\\p{L}\\p{N}])"; // word end
const rx = (body) => new RegExp(`${B}(?:${body})${E}`, "gu");

const PEOPLE = ["clothing", "height", "signs", "role", "details", "risks.details", "place.text"];

export const RULES = [
  // --- danger now: the form is not read in real time ------------------------------------------
  { kind: "urgent", messageKey: "msg_urgent", suggestionKey: "sug_urgent",
    pattern: rx("armes?(?: a feu| blanches?)?|pistolets?|revolvers?|flingues?|fusils?|couteaux?|machettes?|kalach\\w*" +
      "|coups? de feu|tirs?|fusillades?|(?:ont|a|avaient|avait) tire|blesse(?:e|s|es)?|poignard\\w*" +
      "|(?:m'|me |nous |l'|les )?(?:ont |a |avait )?menace(?:e|s|es)?|menaces?|agresse\\w*|agression" +
      "|(?:il|ils|elle|elles|on) (?:me|nous) (?:suit|suivent|attend|attendent)|en danger|peur pour (?:ma|sa|leur) vie") },

  // --- the citizen's own identity -------------------------------------------------------------
  { kind: "self", messageKey: "msg_self", suggestionKey: "sug_self",
    pattern: rx("je m'appelle|mon nom (?:est|c'est)|j'habite|je vis (?:au|a|dans|rue|en face)|chez moi|mon (?:appartement|appart|immeuble|balcon|logement|palier)|ma (?:fenetre|porte|maison|boite aux lettres)|mon numero") },

  // --- supposed origin instead of what can be seen --------------------------------------------
  { kind: "stereotype", messageKey: "msg_stereotype", suggestionKey: "sug_stereotype", fields: PEOPLE,
    pattern: rx("arabes?|rebeus?|beurs?|renois?|blacks?|africain(?:e|s|es)?|maghrebin(?:e|s|es)?|gitan(?:e|s|es)?|roms|manouches?" +
      "|basane(?:e|s|es)?|asiatiques?|etranger(?:e|s|es)?|migrants?|musulman(?:e|s|es)?|juif(?:s|ve|ves)?" +
      "|racailles?|cassos|(?:un|une|des|les|ces|deux|trois|quatre|plusieurs|quelques) (?:noir(?:e|s|es)?|blanc(?:s|he|hes)?)" +
      "|(?:hommes?|femmes?|mecs?|gars|jeunes?|individus?|personnes?|garcons?|filles?|gamins?|ados?) (?:noir(?:e|s|es)?|blanc(?:s|he|hes)?)" +
      "|(?:type|style|origine|allure) (?:arabe|africain\\w*|maghrebin\\w*|noir\\w*|gitan\\w*|etranger\\w*|asiatique\\w*|europeen\\w*|de l'est|des pays de l'est|du sud)") },
  { kind: "stereotype", messageKey: "msg_stereotype", suggestionKey: "sug_stereotype", fields: PEOPLE, raw: true,
    pattern: rx("typé(?:e|s|es)?") },

  // --- vague wording: say what was seen instead ------------------------------------------------
  { kind: "vague", messageKey: "msg_vague_trafic", suggestionKey: "sug_trafic",
    pattern: rx("(?:ca|sa) (?:sent|pue) (?:le |la )?(?:trafic|deal|drogue|shit|beuh)|(?:ca|sa) (?:deale|trafique|bicrave)" +
      "|trafic (?:evident|notoire|connu)|(?:il y a|y a|ya|y'a) (?:du|un) (?:trafic|deal)|un point de deal") },
  { kind: "vague", messageKey: "msg_vague_group", suggestionKey: "sug_group",
    pattern: rx("(?:des |un |les |plusieurs )?(?:groupes?|bandes?|attroupements?|rassemblements?) (?:de jeunes|suspects?|louches?|bizarres?|d'individus)" +
      "|(?:des |les )?(?:jeunes|individus|gens|personnes|types|mecs) (?:suspects?|louches?|bizarres?|qui trainent|qui zonent)") },
  { kind: "vague", messageKey: "msg_vague_judgement", suggestionKey: "sug_behaviour",
    pattern: rx("louches?|suspect(?:e|s|es)?|bizarres?|chelous?|pas net(?:te|s|tes)?|comportements? etranges?") },
  { kind: "vague", messageKey: "msg_vague_time", suggestionKey: "sug_time", fields: ["when.frequency", "details"],
    pattern: rx("tout le temps|souvent|parfois|des fois|regulierement|h ?24|24 ?h ?/ ?24|jour et nuit|nuit et jour|a toute heure|n'importe quand") },
  { kind: "vague", messageKey: "msg_vague_place", suggestionKey: "sug_place", fields: ["place.text"],
    pattern: rx("dans (?:le|mon|notre|ce) quartier|dans la cite|dans le coin|par ici|partout|en ville|dans le secteur") },
  { kind: "vague", messageKey: "msg_hearsay", suggestionKey: "sug_facts",
    pattern: rx("tout le monde (?:le )?sait|tout le monde est au courant|c'est (?:bien )?connu|on sait tous|(?:on|il) parait|on m'a dit|j'ai entendu dire") },
];
